// Log lines of every pod of one component, prefixed with the pod name.
import { $ } from 'zx';
import { commonOptions, isEntry, parseChoice, parseCommand, parseInteger, runMain, type CommandSpec } from './lib/args.js';
import { kube, resolveContext, type Target } from './lib/kubectl.js';

export const logComponents = ['frontend', 'backend', 'mcp_server', 'postgres', 'migrate'] as const;

export const spec = {
  command: 'npx tsx scripts/logs.ts',
  summary: 'Prints the logs of every pod of a component (kubectl logs by label, prefixed with the pod). Read-only.',
  positionals: [{ name: 'component', description: logComponents.join(' | ') }],
  options: {
    ...commonOptions,
    follow: { type: 'boolean', short: 'f', default: false, description: 'keep streaming' },
    previous: { type: 'boolean', short: 'p', default: false, description: 'the crashed container’s logs (after a restart)' },
    tail: { type: 'string', valueName: 'LINES', default: '100', description: 'lines per pod' },
  },
  examples: ['npx tsx scripts/logs.ts backend', 'npx tsx scripts/logs.ts mcp_server --follow', 'npx tsx scripts/logs.ts backend --previous'],
} as const satisfies CommandSpec;

export function parseLogsArgs(argv: string[]) {
  const { values, positionals } = parseCommand(spec, argv);
  const component = parseChoice('component', positionals[0]!, logComponents);
  return {
    app: component === 'mcp_server' ? 'mcp-server' : component,
    tail: parseInteger('--tail', values.tail, { min: 1, max: 100_000 }),
    follow: values.follow,
    previous: values.previous,
    context: values.context,
    namespace: values.namespace,
  };
}

export async function main(argv: string[]): Promise<number> {
  const o = parseLogsArgs(argv);
  const ctx = await resolveContext(o.context);
  const t: Target = { context: ctx.name, namespace: o.namespace };
  const args = ['logs', '-l', `app.kubernetes.io/name=${o.app}`, '--all-containers', '--prefix', '--tail', String(o.tail), '--max-log-requests', '20'];
  if (o.follow) args.push('--follow');
  if (o.previous) args.push('--previous');
  // Streams straight to the terminal; kubectl's own exit code is ours.
  const result = await $({ stdio: 'inherit' })`kubectl ${kube(t)} ${args}`.nothrow();
  return result.exitCode ?? 1;
}

if (isEntry(import.meta.url)) runMain(spec, main);
