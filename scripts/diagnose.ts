// Why the app (or one component) is not working: gathers what kubectl can see, names the known cause with its
// evidence and fix, and with --ai hands a redacted bundle to kubectl-ai or prints the kubectl-ai/kagent commands.
import { $ } from 'zx';
import { commonOptions, isEntry, parseChoice, parseCommand, parseInteger, runMain, ScriptError, type CommandSpec } from './lib/args.js';
import { askKubectlAi, onPath, prepareHandoff } from './lib/ai-handoff.js';
import { ClusterUnreachable, diagnose, diagnoseComponents, printReport, type DiagnoseComponent } from './lib/diagnose.js';
import { resolveContext } from './lib/kubectl.js';
import { log } from './lib/log.js';
import { defaultNodePort } from './lib/manifest-values.js';

/** Exit codes, also in the usage. */
export const exitCodes = { healthy: 0, problems: 1, usage: 2, unreachable: 3 } as const;

export const spec = {
  command: 'npx tsx scripts/diagnose.ts',
  summary: [
    'Finds out why the app (or one component) is not working: pod phases and reasons, exit codes, restarts, events,',
    'the last log lines (and the crashed container’s), probe failures, pending reasons and node pressure, matched',
    'against the known causes; prints each cause with its evidence and the fix. Read-only.',
    '--ai also writes a redacted bundle (no Secret values) and asks kubectl-ai about it when it is installed, or prints',
    'the kubectl-ai and kagent commands to run.',
    '',
    'Exit status: 0 nothing wrong found; 1 a problem was found (the causes are printed); 2 bad arguments;',
    '3 the cluster could not be read (no context, API server unreachable).',
  ].join('\n'),
  positionals: [{ name: 'component', optional: true, description: `${diagnoseComponents.join(' | ')} (default: all)` }],
  options: {
    ...commonOptions,
    json: { type: 'boolean', default: false, description: 'print the report as JSON on stdout' },
    ai: { type: 'boolean', default: false, description: 'hand the redacted bundle to kubectl-ai, or print the kubectl-ai and kagent commands' },
    tail: { type: 'string', valueName: 'LINES', default: '40', description: 'log lines read per container' },
    'node-port': { type: 'string', valueName: 'PORT', default: String(defaultNodePort), description: 'the frontend NodePort deploy.ts was given' },
  },
  examples: [
    'npx tsx scripts/diagnose.ts',
    'npx tsx scripts/diagnose.ts backend',
    'npx tsx scripts/diagnose.ts --json | jq .findings',
    'npx tsx scripts/diagnose.ts --ai',
  ],
} as const satisfies CommandSpec;

export interface DiagnoseArgs {
  component?: DiagnoseComponent;
  context?: string;
  namespace: string;
  json: boolean;
  ai: boolean;
  tail: number;
  nodePort: number;
}

export function parseDiagnoseArgs(argv: string[]): DiagnoseArgs {
  const { values, positionals } = parseCommand(spec, argv);
  return {
    component: positionals[0] === undefined ? undefined : parseChoice('component', positionals[0], diagnoseComponents),
    context: values.context,
    namespace: values.namespace,
    json: values.json,
    ai: values.ai,
    tail: parseInteger('--tail', values.tail, { min: 1, max: 5000 }),
    nodePort: parseInteger('--node-port', values['node-port'], { min: 30000, max: 32767 }),
  };
}

export async function main(argv: string[]): Promise<number> {
  const o = parseDiagnoseArgs(argv);
  let result;
  try {
    const ctx = await resolveContext(o.context);
    result = await diagnose({ context: ctx.name, namespace: o.namespace, component: o.component, tail: o.tail, nodePort: o.nodePort });
  } catch (err) {
    if (!(err instanceof ClusterUnreachable) && !(err instanceof ScriptError)) throw err;
    process.stderr.write(`✖ cannot read the cluster: ${err.message}\n${(err as ScriptError).hint ? `  hint: ${(err as ScriptError).hint}\n` : ''}`);
    return exitCodes.unreachable;
  }
  const { report, state, redactor } = result;
  const handoff = o.ai ? prepareHandoff(report, state, redactor) : undefined;

  if (o.json) {
    process.stdout.write(`${JSON.stringify(handoff ? { ...report, ai: handoff } : report, null, 2)}\n`);
  } else {
    printReport(report, log);
  }
  if (handoff) {
    log.step('AI-assisted follow-up');
    log.info(`redacted bundle (no Secret values): ${handoff.file}`);
    const current = (await $({ quiet: true })`kubectl config current-context`.nothrow()).stdout.trim();
    if (!o.json && (await onPath('kubectl-ai')) && current === report.context) {
      log.info('asking kubectl-ai (it may propose commands and asks before running any that change the cluster)');
      const code = await askKubectlAi(handoff);
      if (code !== 0) log.warn(`kubectl-ai exited ${code} (is its model configured? e.g. GEMINI_API_KEY or --llm-provider); run it yourself:`);
    } else if (current !== report.context) {
      log.info(`kubectl-ai and kagent work on the current context (${current || 'none'}): first \`kubectl config use-context ${report.context}\``);
    } else {
      log.info('kubectl-ai is not installed (docs/runbooks.md: installing kubectl-ai and kagent); run one of:');
    }
    log.info(handoff.kubectlAi);
    log.info(handoff.kagentTask);
    log.info(handoff.kagentFile);
  }
  return report.healthy ? exitCodes.healthy : exitCodes.problems;
}

if (isEntry(import.meta.url)) runMain(spec, main);
