import { $, type ProcessPromise } from 'zx';
import { ScriptError } from './args.js';
import { childEnv } from './env.js';
import { classify, formatEvent, type Finding, type JobObject, type KubeEvent, type Observation, type Pod } from './diagnose-rules.js';
import type { Logger } from './log.js';

/** The flags that pin every kubectl call to one context and namespace. */
export interface Target {
  context: string;
  namespace: string;
}

export const kube = (t: Target): string[] => ['--context', t.context, '--namespace', t.namespace];

// kubectl prints nothing we want echoed, and `diff` must be the plain one whatever the user's KUBECTL_EXTERNAL_DIFF.
export const $k = $({ quiet: true, env: childEnv({ KUBECTL_EXTERNAL_DIFF: 'diff -u -N' }) });

export async function getJson<T>(args: string[]): Promise<T> {
  const out = await $k`kubectl ${args} -o json`;
  return JSON.parse(out.stdout) as T;
}

/** `kubectl get` that returns null for NotFound instead of throwing. */
export async function getJsonOrNull<T>(args: string[]): Promise<T | null> {
  const out = await $k`kubectl ${args} -o json`.nothrow();
  if (out.exitCode === 0) return JSON.parse(out.stdout) as T;
  if (/NotFound|not found/.test(out.stderr)) return null;
  throw new ScriptError(`kubectl ${args.join(' ')} failed: ${out.stderr.trim()}`);
}

/**
 * The label deploy.ts puts on a namespace it created, and only then: teardown --purge deletes a namespace only when
 * it carries it, so a namespace someone else made (and what else lives in it) is never deleted by the kit.
 */
export const namespaceMark = { key: 'app.kubernetes.io/managed-by', value: 'todo-deploy' } as const;

export function createdByKit(namespace: { metadata?: { labels?: Record<string, string> } } | null): boolean {
  return namespace?.metadata?.labels?.[namespaceMark.key] === namespaceMark.value;
}

/** The Deployment of each service component (images use `mcp_server`, Kubernetes names use `mcp-server`). */
export const serviceComponents = ['frontend', 'backend', 'mcp_server'] as const;
export type ServiceComponent = (typeof serviceComponents)[number];
export const deploymentOf = (c: ServiceComponent): string => (c === 'mcp_server' ? 'mcp-server' : c);

// --- contexts -----------------------------------------------------------------------------------------------------

export interface ContextInfo {
  name: string;
  server: string;
  local: boolean;
  minikubeProfile?: string;
}

const localContextNames = /^(minikube|docker-desktop|docker-for-desktop|rancher-desktop|orbstack|colima|kind-.+|k3d-.+)$/;

export function isLocalServer(server: string): boolean {
  try {
    const host = new URL(server).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || /^127\./.test(host) || /^192\.168\.(49|58|59|64|39)\./.test(host);
  } catch {
    return false;
  }
}

/**
 * The context to use: the one named by --context, or the current one when it is local. A remote current context
 * is never used implicitly, so a forgotten `kubectl config use-context prod` cannot send a deploy to production.
 */
export async function resolveContext(named: string | undefined): Promise<ContextInfo> {
  const current = named ?? (await $k`kubectl config current-context`.nothrow()).stdout.trim();
  if (!current) throw new ScriptError('no kubectl context is set', 'start minikube (`minikube start`) or pass --context NAME');
  const view = await $k`kubectl config view --minify --context ${current} -o json`.nothrow();
  if (view.exitCode !== 0) throw new ScriptError(`kubectl has no context named '${current}'`, 'list them with `kubectl config get-contexts`');
  const config = JSON.parse(view.stdout) as { clusters?: { cluster?: { server?: string } }[]; contexts?: { context?: { cluster?: string } }[] };
  const server = config.clusters?.[0]?.cluster?.server ?? '';
  const local = localContextNames.test(current) || isLocalServer(server);
  if (!named && !local) {
    throw new ScriptError(
      `the current context '${current}' points at ${server}, which is not a local cluster`,
      `name it explicitly to deploy there: --context ${current}`,
    );
  }
  const minikubeProfile = await minikubeProfileFor(current);
  return { name: current, server, local, minikubeProfile };
}

async function minikubeProfileFor(context: string): Promise<string | undefined> {
  const which = await $k`which minikube`.nothrow();
  if (which.exitCode !== 0) return context === 'minikube' ? context : undefined;
  const out = await $k`minikube profile list -o json`.nothrow();
  if (out.exitCode !== 0) return context === 'minikube' ? context : undefined;
  try {
    const list = JSON.parse(out.stdout) as { valid?: { Name: string }[]; invalid?: { Name: string }[] };
    return [...(list.valid ?? []), ...(list.invalid ?? [])].some((p) => p.Name === context) ? context : undefined;
  } catch {
    return undefined;
  }
}

// --- resources ----------------------------------------------------------------------------------------------------

/** CPU in millicores or memory in bytes from a Kubernetes quantity. */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const s = String(q);
  const m = /^([0-9.]+)(m|k|Ki|M|Mi|G|Gi|T|Ti|E|Ei|P|Pi)?$/.exec(s);
  if (!m) throw new Error(`not a quantity: ${s}`);
  const n = Number(m[1]);
  const unit = m[2] ?? '';
  const factors: Record<string, number> = {
    '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  return n * factors[unit]!;
}

export const cpuMillis = (q: string | number | undefined) => Math.round(parseQuantity(q) * 1000);

export interface Resources {
  cpuMillis: number;
  memoryBytes: number;
}

interface PodSpecLike {
  containers: { resources?: { requests?: { cpu?: string; memory?: string } } }[];
  initContainers?: { resources?: { requests?: { cpu?: string; memory?: string } } }[];
}

export function podRequests(spec: PodSpecLike): Resources {
  const sum = (cs: PodSpecLike['containers']) =>
    cs.reduce((a, c) => ({ cpuMillis: a.cpuMillis + cpuMillis(c.resources?.requests?.cpu), memoryBytes: a.memoryBytes + parseQuantity(c.resources?.requests?.memory) }), {
      cpuMillis: 0,
      memoryBytes: 0,
    });
  const main = sum(spec.containers);
  // Init containers run one at a time before the others, so the pod needs the larger of the two.
  const init = (spec.initContainers ?? []).map((c) => sum([c]));
  return {
    cpuMillis: Math.max(main.cpuMillis, ...init.map((i) => i.cpuMillis)),
    memoryBytes: Math.max(main.memoryBytes, ...init.map((i) => i.memoryBytes)),
  };
}

/** What the cluster can still schedule: allocatable of Ready nodes minus requests of running pods outside `namespace`. */
export async function freeCapacity(t: Target): Promise<Resources & { nodes: number }> {
  const nodes = await getJson<{ items: { status: { allocatable: Record<string, string>; conditions?: { type: string; status: string }[] }; spec?: { unschedulable?: boolean } }[] }>([
    '--context', t.context, 'get', 'nodes',
  ]);
  const ready = nodes.items.filter((n) => !n.spec?.unschedulable && n.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  const total = ready.reduce((a, n) => ({ cpuMillis: a.cpuMillis + cpuMillis(n.status.allocatable.cpu), memoryBytes: a.memoryBytes + parseQuantity(n.status.allocatable.memory) }), {
    cpuMillis: 0,
    memoryBytes: 0,
  });
  const pods = await getJson<{ items: { metadata: { namespace: string }; spec: PodSpecLike; status?: { phase?: string } }[] }>([
    '--context', t.context, 'get', 'pods', '--all-namespaces',
  ]);
  for (const p of pods.items) {
    if (p.metadata.namespace === t.namespace || p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed') continue;
    const r = podRequests(p.spec);
    total.cpuMillis -= r.cpuMillis;
    total.memoryBytes -= r.memoryBytes;
  }
  return { ...total, nodes: ready.length };
}

export function formatResources(r: Resources): string {
  return `${(r.cpuMillis / 1000).toFixed(2)} CPU, ${Math.round(r.memoryBytes / 2 ** 20)} MiB`;
}

// --- observing a workload -----------------------------------------------------------------------------------------

export type WorkloadKind = 'deployment' | 'statefulset' | 'job';

interface ListItem {
  kind: string;
  metadata: {
    name: string;
    generation?: number;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
  };
  spec?: { replicas?: number };
  status?: Record<string, unknown>;
}

/** Pods of the workload's current revision: an older ReplicaSet's broken pods are not this rollout's problem. */
export function currentPods(kind: WorkloadKind, name: string, items: ListItem[]): Pod[] {
  const pods = items.filter((i) => i.kind === 'Pod') as unknown as Pod[];
  if (kind === 'job') return pods.filter((p) => p.metadata.labels?.['job-name'] === name || p.metadata.labels?.['batch.kubernetes.io/job-name'] === name);
  if (kind === 'statefulset') {
    const sts = items.find((i) => i.kind === 'StatefulSet' && i.metadata.name === name);
    // Right after an apply the status still names the previous revision: its pods are not this rollout's yet.
    if (sts && !statusIsCurrent(sts)) return [];
    const revision = sts?.status?.updateRevision as string | undefined;
    return revision ? pods.filter((p) => p.metadata.labels?.['controller-revision-hash'] === revision) : pods;
  }
  const deploy = items.find((i) => i.kind === 'Deployment' && i.metadata.name === name);
  const revision = deploy?.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const rs = items.find((i) => i.kind === 'ReplicaSet' && i.metadata.annotations?.['deployment.kubernetes.io/revision'] === revision);
  const hash = rs?.metadata.labels?.['pod-template-hash'];
  return hash ? pods.filter((p) => p.metadata.labels?.['pod-template-hash'] === hash) : pods;
}

const statusIsCurrent = (o: ListItem) =>
  o.metadata.generation === undefined || (o.status?.observedGeneration as number | undefined) === o.metadata.generation;

const pullFailures = new Set(['ImagePullBackOff', 'ErrImagePull']);

export interface StalePod {
  pod: string;
  revision: string;
  updateRevision: string;
  reason: string;
}

/**
 * Pods of an older StatefulSet revision stuck on an image pull. The controller never replaces them by itself: it
 * waits for the pod to become Ready before rolling it (kubernetes/kubernetes#67250, "forced rollback"); deleting
 * the pod is the documented way out, and the controller then recreates it at the current revision.
 */
export function stalePullPods(name: string, items: ListItem[]): StalePod[] {
  const sts = items.find((i) => i.kind === 'StatefulSet' && i.metadata.name === name);
  const updateRevision = sts?.status?.updateRevision as string | undefined;
  if (!sts || !updateRevision || !statusIsCurrent(sts)) return [];
  const stale: StalePod[] = [];
  for (const item of items) {
    if (item.kind !== 'Pod' || item.metadata.deletionTimestamp) continue;
    if (!item.metadata.ownerReferences?.some((r) => r.kind === 'StatefulSet' && r.name === name)) continue;
    const revision = item.metadata.labels?.['controller-revision-hash'];
    if (!revision || revision === updateRevision) continue;
    const pod = item as unknown as Pod;
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    const reason = statuses.map((c) => c.state?.waiting?.reason).find((r) => r && pullFailures.has(r));
    if (reason) stale.push({ pod: item.metadata.name, revision, updateRevision, reason });
  }
  return stale;
}

export interface WorkloadObservation extends Observation {
  desired: number;
  ready: number;
  /** StatefulSet only: pods of an older revision that only a delete gets going again. */
  stale: StalePod[];
}

/** One look at a workload: its current pods, their events, the Job, and log tails of containers in trouble. */
export async function observe(t: Target, kind: WorkloadKind, name: string, appLabel: string): Promise<WorkloadObservation> {
  const list = await getJson<{ items: ListItem[] }>([...kube(t), 'get', 'deployments,replicasets,statefulsets,jobs,pods', '-l', `app.kubernetes.io/name=${appLabel}`]);
  const pods = currentPods(kind, name, list.items);
  const names = new Set(pods.map((p) => p.metadata.name));
  const allEvents = await getJson<{ items: KubeEvent[] }>([...kube(t), 'get', 'events']);
  const events = allEvents.items.filter((e) => names.has(e.involvedObject?.name ?? '') || e.involvedObject?.kind === 'PersistentVolumeClaim');
  const jobs = list.items.filter((i) => i.kind === 'Job' && i.metadata.name === name) as unknown as JobObject[];
  const logs: Record<string, string> = {};
  for (const p of pods) {
    for (const cs of p.status?.containerStatuses ?? []) {
      const troubled = !cs.ready && (cs.restartCount > 0 || cs.state?.running || cs.state?.terminated);
      if (!troubled) continue;
      if (cs.restartCount > 0) {
        const prev = await $k`kubectl ${kube(t)} logs ${p.metadata.name} -c ${cs.name} --previous --tail 30`.nothrow();
        if (prev.exitCode === 0) logs[`${p.metadata.name}/${cs.name}/previous`] = prev.stdout;
      }
      const cur = await $k`kubectl ${kube(t)} logs ${p.metadata.name} -c ${cs.name} --tail 30`.nothrow();
      if (cur.exitCode === 0) logs[`${p.metadata.name}/${cs.name}`] = cur.stdout;
    }
  }
  const owner = list.items.find((i) => i.metadata.name === name && i.kind.toLowerCase() === kind);
  const desired = kind === 'job' ? 1 : (owner?.spec?.replicas ?? 1);
  const ready =
    kind === 'job'
      ? Number((owner?.status?.succeeded as number | undefined) ?? 0)
      : pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const stale = kind === 'statefulset' ? stalePullPods(name, list.items) : [];
  return { pods, events, jobs, logs, desired, ready, stale };
}

// --- gates --------------------------------------------------------------------------------------------------------

export class GateFailure extends ScriptError {
  override name = 'GateFailure';
  constructor(
    readonly stage: string,
    readonly findings: Finding[],
    message: string,
  ) {
    super(message, findings[0]?.hint);
  }
}

export function reportFindings(log: Logger, findings: Finding[], lastEvents: KubeEvent[] = []): void {
  for (const f of findings) {
    log.fail(`${f.object}${f.container ? ` (${f.container})` : ''}: ${f.title}`);
    log.detail(f.evidence.flatMap((e) => e.split('\n')));
    log.info(`fix: ${f.hint}`);
  }
  if (!findings.length && lastEvents.length) log.detail(lastEvents.slice(-8).map(formatEvent));
}

export interface GateOptions {
  target: Target;
  kind: WorkloadKind;
  name: string;
  appLabel: string;
  timeoutSeconds: number;
  log: Logger;
  /** How often the watcher looks at the pods. */
  intervalMs?: number;
}

/**
 * Waits for a rollout (or a Job) with `kubectl rollout status` / `kubectl wait` under the stage's deadline, while a
 * watcher classifies the pods: a cause that waiting cannot fix stops the deploy at once; a pod restarting while its
 * dependency starts is tolerated until the deadline, and reported then.
 */
export async function gate(o: GateOptions): Promise<void> {
  const { target: t, log } = o;
  const resource = `${o.kind}/${o.name}`;
  const progress = log.progress(`waiting for ${resource}`);
  const waiter: ProcessPromise =
    o.kind === 'job'
      ? $k`kubectl ${kube(t)} wait --for=condition=complete ${resource} --timeout=${o.timeoutSeconds}s`.nothrow()
      : $k`kubectl ${kube(t)} rollout status ${resource} --timeout=${o.timeoutSeconds}s`.nothrow();
  let finished = false;
  const waited = waiter.then((r) => {
    finished = true;
    return r;
  });
  let last: WorkloadObservation | undefined;
  let findings: Finding[] = [];
  const deleted = new Set<string>();
  while (!finished) {
    await Promise.race([waited, sleep(o.intervalMs ?? 3000)]);
    if (finished) break;
    last = await observe(t, o.kind, o.name, o.appLabel).catch(() => last);
    if (!last) continue;
    for (const s of last.stale.filter((x) => !deleted.has(x.pod))) {
      deleted.add(s.pod);
      log.warn(`pod/${s.pod} of the older revision ${s.revision} is stuck on ${s.reason}; deleting it so the StatefulSet recreates it at ${s.updateRevision}`);
      await $k`kubectl ${kube(t)} delete pod ${s.pod} --wait=false`.nothrow();
    }
    findings = classify(last);
    const fatal = findings.filter((f) => f.fatal);
    if (fatal.length) {
      await waiter.kill().catch(() => undefined);
      progress.fail(`${resource}: ${fatal[0]!.title}`);
      reportFindings(log, fatal);
      throw new GateFailure(resource, fatal, `${resource} cannot become ready: ${fatal[0]!.title}`);
    }
    const note = findings.length ? `; ${findings[0]!.title}` : '';
    progress.update(`${last.ready}/${last.desired} ${o.kind === 'job' ? 'complete' : 'ready'}${note}`);
  }
  const result = await waited;
  if (result.exitCode === 0) {
    progress.done(`${resource} ${o.kind === 'job' ? 'complete' : 'rolled out'}`);
    return;
  }
  last = await observe(t, o.kind, o.name, o.appLabel).catch(() => last);
  findings = last ? classify(last) : [];
  progress.fail(`${resource} not ready within ${o.timeoutSeconds}s`);
  reportFindings(log, findings, last?.events);
  if (!findings.length) log.detail(result.stderr.trim().split('\n').slice(-3));
  throw new GateFailure(resource, findings, `${resource} not ready within ${o.timeoutSeconds}s${findings[0] ? `: ${findings[0].title}` : ''}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
