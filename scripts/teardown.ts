// Removes the app. The database volume and the Secret that opens it stay unless --purge.
import { commonOptions, isEntry, parseCommand, runMain, type CommandSpec } from './lib/args.js';
import { $k, getJsonOrNull, kube, resolveContext, type Target } from './lib/kubectl.js';
import { log } from './lib/log.js';
import { secretName } from './lib/secrets.js';

export const spec = {
  command: 'npx tsx scripts/teardown.ts',
  summary: [
    'Removes the app’s workloads, Services, ConfigMap, policies and Jobs. The postgres volume stays, and so does the',
    `Secret ${secretName}: it holds the password the volume was created with. --purge deletes the whole namespace.`,
  ].join('\n'),
  options: {
    ...commonOptions,
    purge: { type: 'boolean', default: false, description: 'also delete the database volume, the Secret and the namespace' },
    'dry-run': { type: 'boolean', default: false, description: 'list what would be deleted, delete nothing' },
  },
  examples: ['npx tsx scripts/teardown.ts', 'npx tsx scripts/teardown.ts --purge'],
} as const satisfies CommandSpec;

const appKinds = 'deployments,statefulsets,jobs,services,configmaps,networkpolicies,poddisruptionbudgets,ingresses';

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommand(spec, argv);
  const ctx = await resolveContext(values.context);
  const t: Target = { context: ctx.name, namespace: values.namespace };
  log.step(`Teardown of ${t.namespace} on ${t.context}${values.purge ? ' (purge)' : ''}`);
  if (!(await getJsonOrNull(['--context', t.context, 'get', 'namespace', t.namespace]))) {
    log.ok(`namespace ${t.namespace} does not exist: nothing to remove`);
    return 0;
  }
  const listed = await $k`kubectl ${kube(t)} get ${appKinds} -l app.kubernetes.io/part-of=todo-chatbot -o name`;
  const names = listed.stdout.trim().split('\n').filter(Boolean);
  if (values['dry-run']) {
    log.info(`would delete ${values.purge ? `namespace/${t.namespace} and everything in it` : names.join(', ') || 'nothing'} (dry run)`);
    return 0;
  }
  const progress = log.progress(values.purge ? `deleting namespace ${t.namespace}` : `deleting ${names.length} objects`);
  progress.update('waiting for pods to stop');
  if (values.purge) {
    await $k`kubectl --context ${t.context} delete namespace ${t.namespace} --wait=true --timeout=300s`;
    progress.done(`namespace ${t.namespace} deleted with its volume and Secret`);
  } else {
    await $k`kubectl ${kube(t)} delete ${appKinds} -l app.kubernetes.io/part-of=todo-chatbot --cascade=foreground --wait=true --timeout=300s`;
    progress.done(`deleted ${names.length} objects`);
    const pvcs = await $k`kubectl ${kube(t)} get pvc -o name`;
    log.info(`kept: secret/${secretName}${pvcs.stdout.trim() ? `, ${pvcs.stdout.trim().split('\n').join(', ')}` : ''} (teardown --purge removes them)`);
  }
  log.table(['removed', 'kept'], [[values.purge ? `namespace/${t.namespace}` : `${names.length} objects`, values.purge ? '-' : `secret/${secretName}, database volume`]]);
  return 0;
}

if (isEntry(import.meta.url)) runMain(spec, main);
