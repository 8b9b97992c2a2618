// Scales one service and waits until that many pods are Ready and behind its Service.
import { commonOptions, isEntry, parseChoice, parseCommand, parseInteger, runMain, ScriptError, type CommandSpec } from './lib/args.js';
import { $k, deploymentOf, gate, getJson, kube, resolveContext, serviceComponents, sleep, type Target } from './lib/kubectl.js';
import { formatSeconds, log } from './lib/log.js';

export const spec = {
  command: 'npx tsx scripts/scale.ts',
  summary: [
    'Sets the replicas of one service, waits until they are Ready and the Service has that many endpoints.',
    'The next deploy.ts resets replicas to FRONTEND_REPLICAS / BACKEND_REPLICAS / MCP_SERVER_REPLICAS; set those to keep a size.',
  ].join('\n'),
  positionals: [
    { name: 'component', description: serviceComponents.join(' | ') },
    { name: 'replicas', description: 'how many pods, 0-20' },
  ],
  options: {
    ...commonOptions,
    timeout: { type: 'string', valueName: 'SECONDS', default: '300', description: 'how long to wait' },
    'dry-run': { type: 'boolean', default: false, description: 'say what would change, change nothing' },
  },
  examples: ['npx tsx scripts/scale.ts backend 3', 'npx tsx scripts/scale.ts frontend 2 --context minikube'],
} as const satisfies CommandSpec;

export function parseScaleArgs(argv: string[]) {
  const { values, positionals } = parseCommand(spec, argv);
  return {
    component: parseChoice('component', positionals[0]!, serviceComponents),
    replicas: parseInteger('replicas', positionals[1]!, { min: 0, max: 20 }),
    timeoutSeconds: parseInteger('--timeout', values.timeout, { min: 10, max: 3600 }),
    dryRun: values['dry-run'],
    context: values.context,
    namespace: values.namespace,
  };
}

/** Ready addresses across the Service's EndpointSlices. */
export function readyEndpoints(slices: { endpoints?: { conditions?: { ready?: boolean } }[] }[]): number {
  return slices.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).length;
}

export async function main(argv: string[]): Promise<number> {
  const o = parseScaleArgs(argv);
  const started = Date.now();
  const ctx = await resolveContext(o.context);
  const t: Target = { context: ctx.name, namespace: o.namespace };
  const name = deploymentOf(o.component);

  log.step(`Scale ${name} to ${o.replicas}`);
  const current = await getJson<{ spec: { replicas?: number } }>([...kube(t), 'get', 'deployment', name]).catch(() => {
    throw new ScriptError(`deployment/${name} not found in ${t.namespace} (context ${t.context})`, 'deploy first: npx tsx scripts/deploy.ts');
  });
  const from = current.spec.replicas ?? 1;
  if (o.dryRun) {
    log.ok(`would scale deployment/${name} from ${from} to ${o.replicas} (dry run: nothing changed)`);
    return 0;
  }
  await $k`kubectl ${kube(t)} scale deployment/${name} --replicas=${o.replicas}`;
  log.ok(`deployment/${name}: ${from} -> ${o.replicas}`);
  await gate({ target: t, kind: 'deployment', name, appLabel: name, timeoutSeconds: o.timeoutSeconds, log });

  const progress = log.progress(`waiting for ${o.replicas} endpoints behind service/${name}`);
  const deadline = Date.now() + o.timeoutSeconds * 1000;
  for (;;) {
    const slices = await getJson<{ items: { endpoints?: { conditions?: { ready?: boolean } }[] }[] }>([
      ...kube(t), 'get', 'endpointslices', '-l', `kubernetes.io/service-name=${name}`,
    ]);
    const n = readyEndpoints(slices.items);
    if (n === o.replicas) break;
    if (Date.now() > deadline) {
      progress.fail(`service/${name} has ${n} ready endpoints, expected ${o.replicas}`);
      throw new ScriptError(`service/${name} did not reach ${o.replicas} endpoints`, `npx tsx scripts/status.ts --namespace ${t.namespace}`);
    }
    progress.update(`${n}/${o.replicas}`);
    await sleep(1000);
  }
  progress.done(`service/${name} has ${o.replicas} ready endpoints`);
  log.table(['deployment', 'from', 'to', 'time'], [[name, from, o.replicas, formatSeconds(Date.now() - started)]]);
  return 0;
}

if (isEntry(import.meta.url)) runMain(spec, main);
