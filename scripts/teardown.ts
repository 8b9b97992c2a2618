// Removes the app. The database volume and the Secret that opens it stay unless --purge.
import { commonOptions, isEntry, parseCommand, runMain, type CommandSpec } from './lib/args.js';
import { $k, createdByKit, getJsonOrNull, kube, namespaceMark, resolveContext, type Target } from './lib/kubectl.js';
import { log } from './lib/log.js';
import { secretName } from './lib/secrets.js';

export const spec = {
  command: 'npx tsx scripts/teardown.ts',
  summary: [
    'Removes the app’s workloads, Services, ConfigMap, policies and Jobs. The postgres volume stays, and so does the',
    `Secret ${secretName}: it holds the password the volume was created with. --purge also deletes those, and the`,
    `namespace itself when deploy.ts created it (label ${namespaceMark.key}=${namespaceMark.value}); a namespace the kit`,
    'did not create is kept, with whatever else lives in it.',
  ].join('\n'),
  options: {
    ...commonOptions,
    purge: { type: 'boolean', default: false, description: 'also delete the database volume, the Secret and (when the kit created it) the namespace' },
    'dry-run': { type: 'boolean', default: false, description: 'list what would be deleted, delete nothing' },
  },
  examples: ['npx tsx scripts/teardown.ts', 'npx tsx scripts/teardown.ts --purge'],
} as const satisfies CommandSpec;

const appKinds = 'deployments,statefulsets,jobs,services,configmaps,networkpolicies,poddisruptionbudgets,ingresses';
const ours = 'app.kubernetes.io/part-of=todo-chatbot';

interface SecretMeta {
  metadata: { managedFields?: { manager?: string }[] };
}

/** The Secret carries no label of ours (kubectl create secret sets none); deploy.ts is the only writer that uses this field manager. */
export const secretWrittenByKit = (secret: SecretMeta | null): boolean => Boolean(secret?.metadata.managedFields?.some((f) => f.manager === 'todo-deploy'));

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommand(spec, argv);
  const ctx = await resolveContext(values.context);
  const t: Target = { context: ctx.name, namespace: values.namespace };
  log.step(`Teardown of ${t.namespace} on ${t.context}${values.purge ? ' (purge)' : ''}`);
  const namespace = await getJsonOrNull<{ metadata?: { labels?: Record<string, string> } }>(['--context', t.context, 'get', 'namespace', t.namespace]);
  if (!namespace) {
    log.ok(`namespace ${t.namespace} does not exist: nothing to remove`);
    return 0;
  }
  const deleteNamespace = values.purge && createdByKit(namespace);
  const [listed, claims, secret] = await Promise.all([
    $k`kubectl ${kube(t)} get ${appKinds} -l ${ours} -o name`,
    $k`kubectl ${kube(t)} get pvc -l ${ours} -o name`,
    getJsonOrNull<SecretMeta>([...kube(t), 'get', 'secret', secretName, '--show-managed-fields']),
  ]);
  const names = listed.stdout.trim().split('\n').filter(Boolean);
  const pvcs = claims.stdout.trim().split('\n').filter(Boolean);
  const secrets = secretWrittenByKit(secret) ? [`secret/${secretName}`] : [];
  const kept = `namespace ${t.namespace} is kept: the kit did not create it (it has no ${namespaceMark.key}=${namespaceMark.value} label)`;

  if (values['dry-run']) {
    const what = deleteNamespace ? [`namespace/${t.namespace} and everything in it`] : [...names, ...(values.purge ? [...pvcs, ...secrets] : [])];
    log.info(`would delete ${what.join(', ') || 'nothing'} (dry run)`);
    if (values.purge && !deleteNamespace) log.info(kept);
    return 0;
  }
  if (deleteNamespace) {
    const progress = log.progress(`deleting namespace ${t.namespace}`);
    progress.update('waiting for pods to stop');
    await $k`kubectl --context ${t.context} delete namespace ${t.namespace} --wait=true --timeout=300s`;
    progress.done(`namespace ${t.namespace} deleted with its volume and Secret`);
    log.table(['removed', 'kept'], [[`namespace/${t.namespace}`, '-']]);
    return 0;
  }

  const progress = log.progress(`deleting ${names.length} objects`);
  progress.update('waiting for pods to stop');
  if (names.length) await $k`kubectl ${kube(t)} delete ${appKinds} -l ${ours} --cascade=foreground --wait=true --timeout=300s`;
  progress.done(`deleted ${names.length} objects`);
  if (!values.purge) {
    log.info(`kept: secret/${secretName}${pvcs.length ? `, ${pvcs.join(', ')}` : ''} (teardown --purge removes them)`);
    log.table(['removed', 'kept'], [[`${names.length} objects`, `secret/${secretName}, database volume`]]);
    return 0;
  }
  // The pods that mounted the volumes are gone (foreground deletion above), so the claims go at once.
  if (pvcs.length) await $k`kubectl ${kube(t)} delete ${pvcs} --wait=true --timeout=300s`;
  if (secrets.length) await $k`kubectl ${kube(t)} delete ${secrets} --ignore-not-found`;
  log.ok(`deleted ${[...pvcs, ...secrets].join(', ') || 'no volume or Secret of the app'}`);
  log.warn(kept);
  log.info(`delete it yourself if it is yours to delete: kubectl --context ${t.context} delete namespace ${t.namespace}`);
  log.table(['removed', 'kept'], [[[`${names.length} objects`, ...pvcs, ...secrets].join(', '), `namespace/${t.namespace}`]]);
  return 0;
}

if (isEntry(import.meta.url)) runMain(spec, main);
