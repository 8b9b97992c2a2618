// What is running: workloads, pods, the migrate Job, Services and the URL, with the cause of anything unhealthy.
import { commonOptions, isEntry, parseCommand, runMain, type CommandSpec } from './lib/args.js';
import { classify, type Finding } from './lib/diagnose-rules.js';
import { getJson, getJsonOrNull, kube, observe, resolveContext, type Target, type WorkloadKind } from './lib/kubectl.js';
import { log } from './lib/log.js';

export const spec = {
  command: 'npx tsx scripts/status.ts',
  summary: 'Shows the app’s workloads, pods, migrate Job and Services, and names the cause of anything not ready. Read-only.',
  options: { ...commonOptions, json: { type: 'boolean', default: false, description: 'print JSON on stdout' } },
  examples: ['npx tsx scripts/status.ts', 'npx tsx scripts/status.ts --json | jq .workloads'],
} as const satisfies CommandSpec;

interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
  status?: { readyReplicas?: number; updatedReplicas?: number; succeeded?: number; failed?: number; active?: number };
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommand(spec, argv);
  const ctx = await resolveContext(values.context);
  const t: Target = { context: ctx.name, namespace: values.namespace };
  if (!(await getJsonOrNull(['--context', t.context, 'get', 'namespace', t.namespace]))) {
    if (values.json) process.stdout.write(`${JSON.stringify({ deployed: false, namespace: t.namespace })}\n`);
    else log.warn(`namespace ${t.namespace} does not exist on ${t.context}: nothing deployed (npx tsx scripts/deploy.ts)`);
    return 1;
  }
  const list = await getJson<{ items: Workload[] }>([...kube(t), 'get', 'deployments,statefulsets,jobs', '-l', 'app.kubernetes.io/part-of=todo-chatbot']);
  const pods = await getJson<{ items: { metadata: { name: string; labels?: Record<string, string> }; status?: { phase?: string; containerStatuses?: { ready: boolean; restartCount: number }[] } }[] }>([
    ...kube(t), 'get', 'pods', '-l', 'app.kubernetes.io/part-of=todo-chatbot',
  ]);
  const services = await getJson<{ items: { metadata: { name: string }; spec: { type: string; ports: { port: number; nodePort?: number }[] } }[] }>([
    ...kube(t), 'get', 'services', '-l', 'app.kubernetes.io/part-of=todo-chatbot',
  ]);

  const workloads = list.items.map((w) => {
    const isJob = w.kind === 'Job';
    const desired = isJob ? 1 : (w.spec.replicas ?? 1);
    const ready = isJob ? (w.status?.succeeded ?? 0) : (w.status?.readyReplicas ?? 0);
    const app = w.metadata.name.startsWith('migrate-') ? 'migrate' : w.metadata.name;
    const restarts = pods.items
      .filter((p) => p.metadata.labels?.['app.kubernetes.io/name'] === app)
      .reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + c.restartCount, 0), 0);
    return { kind: w.kind, name: w.metadata.name, app, ready, desired, healthy: ready >= desired, image: w.spec.template.spec.containers[0]?.image ?? '', restarts, failed: w.status?.failed ?? 0 };
  });

  const findings: Finding[] = [];
  for (const w of workloads.filter((x) => !x.healthy)) {
    const kind = w.kind.toLowerCase() as WorkloadKind;
    findings.push(...classify(await observe(t, kind, w.name, w.app)));
  }
  const nodePort = services.items.find((s) => s.metadata.name === 'frontend')?.spec.ports[0]?.nodePort;
  const healthy = workloads.length > 0 && workloads.every((w) => w.healthy);

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ deployed: true, healthy, context: t.context, namespace: t.namespace, nodePort, workloads, findings }, null, 2)}\n`);
  } else {
    log.step(`Status of ${t.namespace} on ${t.context}`);
    log.table(
      ['workload', 'ready', 'restarts', 'image'],
      workloads.map((w) => [`${w.kind.toLowerCase()}/${w.name}`, `${w.ready}/${w.desired}${w.healthy ? '' : '  ✖'}`, w.restarts, w.image]),
    );
    log.table(['service', 'type', 'ports'], services.items.map((s) => [s.metadata.name, s.spec.type, s.spec.ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}`).join(',')]));
    for (const f of findings) {
      log.fail(`${f.object}${f.container ? ` (${f.container})` : ''}: ${f.title}`);
      log.detail(f.evidence.flatMap((e) => e.split('\n')));
      log.info(`fix: ${f.hint}`);
    }
    if (healthy) log.ok(`all ${workloads.length} workloads ready${nodePort ? `; frontend on NodePort ${nodePort}` : ''}`);
  }
  return healthy ? 0 : 1;
}

if (isEntry(import.meta.url)) runMain(spec, main);
