// Returns services to their previous revision, behind the same gates as a deploy.
import { commonOptions, isEntry, parseChoice, parseCommand, parseInteger, runMain, type CommandSpec } from './lib/args.js';
import { $k, deploymentOf, gate, kube, resolveContext, serviceComponents, type Target } from './lib/kubectl.js';
import { formatSeconds, log } from './lib/log.js';

export const spec = {
  command: 'npx tsx scripts/rollback.ts',
  summary: [
    'kubectl rollout undo for one service (or all three), then waits for each like deploy.ts does.',
    'Database migrations are not undone: the schema only ever grows compatibly. The next deploy.ts rolls forward again.',
  ].join('\n'),
  positionals: [{ name: 'component', description: `${serviceComponents.join(' | ')} (default: all three)`, optional: true }],
  options: {
    ...commonOptions,
    timeout: { type: 'string', valueName: 'SECONDS', default: '300', description: 'deadline of each rollout' },
    'dry-run': { type: 'boolean', default: false, description: 'show the revision history, change nothing' },
  },
  examples: ['npx tsx scripts/rollback.ts backend', 'npx tsx scripts/rollback.ts'],
} as const satisfies CommandSpec;

export function parseRollbackArgs(argv: string[]) {
  const { values, positionals } = parseCommand(spec, argv);
  return {
    components: positionals[0] ? [parseChoice('component', positionals[0], serviceComponents)] : [...serviceComponents],
    timeoutSeconds: parseInteger('--timeout', values.timeout, { min: 10, max: 3600 }),
    dryRun: values['dry-run'],
    context: values.context,
    namespace: values.namespace,
  };
}

export async function main(argv: string[]): Promise<number> {
  const o = parseRollbackArgs(argv);
  const ctx = await resolveContext(o.context);
  const t: Target = { context: ctx.name, namespace: o.namespace };
  const rows: [string, string, string][] = [];
  for (const c of o.components) {
    const name = deploymentOf(c);
    log.step(`Roll back deployment/${name}`);
    if (o.dryRun) {
      const history = await $k`kubectl ${kube(t)} rollout history deployment/${name}`;
      log.detail(history.stdout.trim().split('\n'));
      rows.push([name, 'dry run', '-']);
      continue;
    }
    const t0 = Date.now();
    await $k`kubectl ${kube(t)} rollout undo deployment/${name}`;
    await gate({ target: t, kind: 'deployment', name, appLabel: name, timeoutSeconds: o.timeoutSeconds, log });
    rows.push([name, 'rolled back', formatSeconds(Date.now() - t0)]);
  }
  log.table(['deployment', 'result', 'time'], rows);
  return 0;
}

if (isEntry(import.meta.url)) runMain(spec, main);
