/**
 * Failure diagnosis of a deployed app: `gather` reads the namespace with read-only kubectl calls into a
 * ClusterState (kept in the shape kubectl prints, so real clusters can be recorded as fixtures), `analyze` matches
 * it against the known causes of diagnose-rules.ts plus the checks that need more than one pod's view (Secret keys,
 * Services, nodes, the backend's own /ready answer), and `printReport` says cause, evidence and fix.
 */
import { $k, kube, type Target } from './kubectl.js';
import {
  causes as ruleCauses, classify, classifyText, formatEvent, stripAnsi, type CauseId, type ContainerStatus, type Finding, type JobObject, type KubeEvent, type Pod,
} from './diagnose-rules.js';
import { defaultNodePort } from './manifest-values.js';
import type { Logger } from './log.js';
import { createRedactor, secretEnvValues, secretValues, type Redactor } from './redact.js';

export const diagnoseComponents = ['frontend', 'backend', 'mcp_server', 'postgres', 'migrate'] as const;
export type DiagnoseComponent = (typeof diagnoseComponents)[number];
/** The `app.kubernetes.io/name` label of a component. */
export const appLabel = (c: DiagnoseComponent): string => (c === 'mcp_server' ? 'mcp-server' : c);

export const secretName = 'todo-secrets';
export const configName = 'todo-config';

// --- causes beyond the per-pod rules ------------------------------------------------------------------------------

export type ExtraCauseId =
  | 'image-pull-policy'
  | 'not-deployed'
  | 'node-not-ready'
  | 'node-pressure'
  | 'evicted'
  | 'pods-not-created'
  | 'service-selector'
  | 'no-endpoints'
  | 'unknown';

export type DiagnosisCauseId = CauseId | ExtraCauseId;

interface Cause {
  title: string;
  fatal: boolean;
  hint: string;
}

export const extraCauses: Record<ExtraCauseId, Cause> = {
  'image-pull-policy': {
    title: 'the pull policy makes the node pull an image that exists only in the cluster’s daemon',
    fatal: true,
    hint: 'the images are built into minikube’s docker and never pushed: keep `imagePullPolicy: IfNotPresent` and a content tag (a `:latest` tag or `Always` forces a pull from Docker Hub), or deploy with --registry HOST:PORT',
  },
  'not-deployed': {
    title: 'the app is not deployed here',
    fatal: true,
    hint: 'deploy it: `npx tsx scripts/deploy.ts` (check --context and --namespace if you expected it here)',
  },
  'node-not-ready': {
    title: 'a node is not Ready',
    fatal: true,
    hint: 'the kubelet or the container runtime on that node is down: `minikube status`, then `minikube start`',
  },
  'node-pressure': {
    title: 'a node is short of memory, disk or process ids',
    fatal: false,
    hint: 'the kubelet evicts pods under pressure: free disk (`minikube ssh -- docker image prune -a`), or restart minikube with more memory (`minikube start --memory 6g`)',
  },
  evicted: {
    title: 'pods were evicted by the kubelet',
    fatal: false,
    hint: 'the node ran short of memory or disk (see the message); the Deployment replaces them, and `kubectl delete pod --field-selector=status.phase=Failed` clears the old ones',
  },
  'pods-not-created': {
    title: 'the controller cannot create the pods',
    fatal: true,
    hint: 'the event names what refused them (a ResourceQuota, a LimitRange, Pod Security admission); fix that or the manifest and deploy again',
  },
  'service-selector': {
    title: 'the Service selects no pods',
    fatal: true,
    hint: 'the Service’s selector and the pod template’s `app.kubernetes.io/name` label must match; deploy again to restore the manifests',
  },
  'no-endpoints': {
    title: 'the Service has no ready endpoints, so callers cannot reach it',
    fatal: false,
    hint: 'no pod behind it passes its readiness probe yet; the findings on its pods say why',
  },
  unknown: {
    title: 'not ready, and no known cause matches',
    fatal: false,
    hint: 'read the events and log lines above; `npx tsx scripts/diagnose.ts --ai` hands them to kubectl-ai or kagent',
  },
};

export function causeInfo(id: DiagnosisCauseId): Cause {
  return (ruleCauses as Record<string, Cause>)[id] ?? extraCauses[id as ExtraCauseId];
}

// --- what kubectl returns -----------------------------------------------------------------------------------------

export interface ProbeSpec {
  httpGet?: { path?: string; port?: number | string };
  exec?: { command?: string[] };
  tcpSocket?: { port?: number | string };
}

export interface ContainerSpec {
  name: string;
  image: string;
  imagePullPolicy?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean } } }[];
  envFrom?: { secretRef?: { name: string; optional?: boolean }; configMapRef?: { name: string; optional?: boolean } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: ProbeSpec;
  livenessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
}

export interface FullPod extends Pod {
  metadata: Pod['metadata'] & { namespace?: string; creationTimestamp?: string };
  spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[]; nodeName?: string };
  status?: NonNullable<Pod['status']> & { phase?: string; reason?: string; message?: string };
}

export interface WorkloadObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: { spec?: { containers?: ContainerSpec[] } } };
  status?: { readyReplicas?: number; availableReplicas?: number; replicas?: number; succeeded?: number; failed?: number; active?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface ServiceObject {
  metadata: { name: string; namespace?: string };
  spec?: { type?: string; selector?: Record<string, string>; ports?: { name?: string; port: number; nodePort?: number; targetPort?: number | string }[] };
}

export interface NodeObject {
  metadata: { name: string };
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, string>; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export interface SecretObject {
  kind?: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface ConfigMapObject {
  metadata: { name: string };
  data?: Record<string, string>;
}

/** The HTTP answer of a container's readiness endpoint, asked from inside the container. */
export interface ProbeAnswer {
  path: string;
  status: number;
  body: string;
}

/** Everything diagnosis reads, as kubectl printed it. Fixtures are files of this shape. */
export interface ClusterState {
  context: string;
  namespace: string;
  component?: DiagnoseComponent;
  namespaceExists: boolean;
  pods: FullPod[];
  events: KubeEvent[];
  /** Deployments, StatefulSets, ReplicaSets and Jobs of the namespace. */
  workloads: WorkloadObject[];
  services: ServiceObject[];
  /** Services of every namespace holding a NodePort (only read when the frontend's Service is missing). */
  nodePortServices?: ServiceObject[];
  nodes?: NodeObject[];
  /** null: no such Secret; undefined: not readable (RBAC). */
  secret?: SecretObject | null;
  configMap?: ConfigMapObject | null;
  /** Log tails by `pod/container`, and the crashed container's by `pod/container/previous`. */
  logs: Record<string, string>;
  /** Readiness endpoint answers by `pod/container`. */
  probes?: Record<string, ProbeAnswer>;
  /** stderr of a command that failed before any pod could show the problem (e.g. `kubectl apply`). */
  errorText?: string;
  /** The NodePort the frontend should have. */
  nodePort?: number;
}

// --- the report ---------------------------------------------------------------------------------------------------

export interface DiagnosisFinding {
  cause: DiagnosisCauseId;
  title: string;
  fatal: boolean;
  hint: string;
  /** `pod/<name>`, `job/<name>`, `service/<name>`, `secret/<name>`, `node/<name>`, `namespace/<name>`. */
  object: string;
  container?: string;
  component?: string;
  evidence: string[];
  /** Read-only kubectl commands that show the same evidence. */
  commands: string[];
}

export interface PodSummary {
  pod: string;
  component: string;
  phase: string;
  status: string;
  ready: string;
  restarts: number;
  lastExit: string;
  node: string;
}

export interface WorkloadSummary {
  workload: string;
  ready: number;
  desired: number;
}

export interface NodeSummary {
  node: string;
  ready: boolean;
  pressure: string[];
  cpuAllocatable: string;
  memoryAllocatable: string;
}

export interface Report {
  context: string;
  namespace: string;
  component?: DiagnoseComponent;
  deployed: boolean;
  healthy: boolean;
  pods: PodSummary[];
  workloads: WorkloadSummary[];
  nodes: NodeSummary[];
  findings: DiagnosisFinding[];
}

// --- matching -----------------------------------------------------------------------------------------------------

const ours = (image: string | undefined) => /(^|\/)todo-(frontend|backend|mcp-server)(:|@|$)/.test(image ?? '');

/** True when an image reference names no registry host: it can only come from the node's own runtime or Docker Hub. */
export function isLocalImage(image: string): boolean {
  const first = image.split('/')[0] ?? '';
  return !image.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost');
}

/** The pull policy Kubernetes applies: the given one, else Always for `:latest` or no tag, IfNotPresent otherwise. */
export function effectivePullPolicy(c: Pick<ContainerSpec, 'image' | 'imagePullPolicy'>): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const last = c.image.split('/').pop() ?? '';
  if (c.image.includes('@')) return 'IfNotPresent';
  return !last.includes(':') || last.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

function componentOf(labels: Record<string, string> | undefined): string {
  return labels?.['app.kubernetes.io/name'] ?? labels?.['app'] ?? '';
}

function inScope(state: ClusterState, labels: Record<string, string> | undefined, name?: string): boolean {
  if (!state.component) return true;
  const app = appLabel(state.component);
  return componentOf(labels) === app || (state.component === 'migrate' && Boolean(name?.startsWith('migrate-')));
}

function probeOf(c: ContainerSpec, which: 'Readiness' | 'Liveness' | 'Startup'): ProbeSpec | undefined {
  return which === 'Readiness' ? c.readinessProbe : which === 'Liveness' ? c.livenessProbe : c.startupProbe;
}

function describeProbe(c: ContainerSpec, which: 'Readiness' | 'Liveness' | 'Startup'): string | undefined {
  const p = probeOf(c, which);
  if (!p) return undefined;
  const port = (v: number | string | undefined) => (typeof v === 'string' ? `${v} (${c.ports?.find((x) => x.name === v)?.containerPort ?? '?'})` : String(v ?? '?'));
  if (p.httpGet) return `${which.toLowerCase()}Probe: GET ${p.httpGet.path ?? '/'} on port ${port(p.httpGet.port)}`;
  if (p.exec) return `${which.toLowerCase()}Probe: exec ${(p.exec.command ?? []).join(' ')}`;
  if (p.tcpSocket) return `${which.toLowerCase()}Probe: tcp port ${port(p.tcpSocket.port)}`;
  return undefined;
}

const servicePaths: Record<string, string[]> = {
  frontend: ['/api/health'],
  backend: ['/health', '/ready'],
  'mcp-server': ['/health'],
};

function lastLines(text: string | undefined, n: number): string[] {
  if (!text?.trim()) return [];
  return text.trimEnd().split('\n').slice(-n).map((l) => `log: ${l.length > 400 ? `${l.slice(0, 400)}…` : l}`);
}

/** Variable names in envalid's report and in the backend's "invalid environment" report. */
export function missingVariables(log: string): string[] {
  const names = new Set<string>();
  const lines = log.split('\n');
  let inBlock = false;
  for (const line of lines) {
    if (/missing environment variables|invalid environment variables|invalid environment:/i.test(line)) {
      inBlock = true;
      continue;
    }
    if (inBlock) {
      const m = /^\s+([A-Z][A-Z0-9_]*):/.exec(line);
      if (m) names.add(m[1]!);
      else if (line.trim() && !/^\s/.test(line)) inBlock = false;
    }
    const inline = /^\s*([A-Z][A-Z0-9_]*): is required but not set/.exec(line);
    if (inline) names.add(inline[1]!);
  }
  return [...names];
}

function kubectlPrefix(state: ClusterState): string {
  return `kubectl --context ${state.context} -n ${state.namespace}`;
}

function commandsFor(state: ClusterState, object: string, container?: string, previous = false): string[] {
  const k = kubectlPrefix(state);
  const [kind, name] = object.split('/') as [string, string];
  if (kind === 'pod') {
    return [
      `${k} describe pod ${name}`,
      `${k} logs ${name}${container ? ` -c ${container}` : ''} --tail 50${previous ? ' --previous' : ''}`,
      `${k} get events --field-selector involvedObject.name=${name}`,
    ];
  }
  if (kind === 'job') return [`${k} describe job ${name}`, `${k} logs job/${name} --tail 50`];
  if (kind === 'service') return [`${k} get service ${name} -o wide`, `${k} get endpointslices -l kubernetes.io/service-name=${name}`];
  if (kind === 'secret') return [`${k} get secret ${name} -o jsonpath='{.data}' | jq 'keys'`];
  if (kind === 'configmap') return [`${k} get configmap ${name} -o yaml`];
  if (kind === 'node') return [`kubectl --context ${state.context} describe node ${name}`];
  if (kind === 'namespace') return [`kubectl --context ${state.context} get namespaces`];
  return [`${k} get ${kind} ${name} -o yaml`];
}

/** Log lines with stack traces run to kilobytes; the start says what happened. */
function shorten(evidence: string): string {
  return evidence.split('\n').map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).join('\n');
}

function toDiagnosis(state: ClusterState, f: Finding | Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>, pods: FullPod[]): DiagnosisFinding {
  const info = causeInfo(f.cause);
  const pod = pods.find((p) => `pod/${p.metadata.name}` === f.object);
  const restarted = pod?.status?.containerStatuses?.some((c) => c.name === f.container && c.restartCount > 0) ?? false;
  return {
    cause: f.cause,
    title: info.title,
    fatal: 'fatal' in f && typeof f.fatal === 'boolean' ? f.fatal : info.fatal,
    hint: info.hint,
    object: f.object,
    container: f.container,
    component: 'component' in f && f.component ? f.component : pod ? componentOf(pod.metadata.labels) : undefined,
    evidence: f.evidence,
    commands: commandsFor(state, f.object, f.container, restarted),
  };
}

/** Messages of our services and drivers that the shared text rules do not know (tried after them). */
export const extraTextRules: { cause: CauseId; pattern: RegExp }[] = [
  { cause: 'missing-env', pattern: /invalid environment:/i },
  { cause: 'database-tls', pattern: /connection is insecure|sslmode=require|SSL connection is required|server requires (SSL|encryption)/i },
];

/** Sharpens a per-pod finding with what the pod spec, the events and the readiness answers add. */
function refine(state: ClusterState, f: DiagnosisFinding, pod: FullPod | undefined): DiagnosisFinding {
  if (!pod) return f;
  const spec = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === f.container);
  const events = state.events.filter((e) => e.involvedObject?.name === pod.metadata.name);
  const logs = [state.logs[`${pod.metadata.name}/${f.container}/previous`], state.logs[`${pod.metadata.name}/${f.container}`]].filter(Boolean).join('\n');
  const withCause = (cause: DiagnosisCauseId, extra: string[] = [], replace = false): DiagnosisFinding => {
    const info = causeInfo(cause);
    return { ...f, cause, title: info.title, fatal: info.fatal, hint: info.hint, evidence: replace ? extra : [...f.evidence, ...extra] };
  };

  if ((f.cause === 'image-pull' || f.cause === 'image-not-present') && spec) {
    const policy = effectivePullPolicy(spec);
    const line = `image ${spec.image}, imagePullPolicy ${policy}${spec.imagePullPolicy ? '' : ' (implied by the tag)'}`;
    if (isLocalImage(spec.image) && ours(spec.image)) {
      // Our images are built into the cluster's daemon and never pushed: a pull can only fail.
      if (policy === 'Always') return withCause('image-pull-policy', [line]);
      return withCause('image-not-present', [line, `the node has no ${spec.image} and tried Docker Hub for it`]);
    }
    return { ...f, evidence: [...f.evidence, line] };
  }

  // The service's own readiness answer, asked now, outranks log lines that may date from before a dependency came up.
  const answer = state.probes?.[`${pod.metadata.name}/${f.container}`];
  if (answer && ['probe-failing', 'database-unreachable', 'migrations-missing'].includes(f.cause)) {
    const line = `GET ${answer.path} from inside the pod -> ${answer.status || 'no answer'} ${answer.body.trim().slice(0, 300)}`;
    if (/not migrated/i.test(answer.body)) return withCause('migrations-missing', [line, ...migrateJobEvidence(state)], true);
    if (/database unreachable/i.test(answer.body)) return withCause('database-unreachable', [line, ...f.evidence, ...postgresEvidence(state)], true);
  }

  if (f.cause === 'crash-loop' || f.cause === 'probe-failing') {
    const probeEvents = events.filter((e) => e.reason === 'Unhealthy' || (e.reason === 'Killing' && /probe/i.test(e.message ?? '')));
    const failed = probeEvents.map((e) => /^(Readiness|Liveness|Startup) probe failed: (.*)$/.exec(e.message ?? '')).filter((m): m is RegExpExecArray => Boolean(m));
    const notFound = failed.find((m) => /statuscode: 404/.test(m[2]!));
    if (notFound && spec) {
      const which = notFound[1] as 'Readiness' | 'Liveness' | 'Startup';
      const served = servicePaths[componentOf(pod.metadata.labels)];
      return withCause('probe-path', [describeProbe(spec, which), served ? `${componentOf(pod.metadata.labels)} serves ${served.join(' and ')}` : undefined, ...probeEvents.map(formatEvent)].filter((x): x is string => Boolean(x)), true);
    }
    const extra = f.cause === 'crash-loop' ? extraTextRules.find((r) => r.pattern.test(logs))?.cause : undefined;
    if (extra) return refine(state, withCause(extra), pod);
    if (answer) return { ...f, evidence: [...f.evidence, `GET ${answer.path} from inside the pod -> ${answer.status || 'no answer'} ${answer.body.trim().slice(0, 300)}`] };
    // Only a kill by the kubelet makes the probe the cause; a process that exits by itself fails its probes too.
    const killedByProbe = probeEvents.some((e) => e.reason === 'Killing' && /failed (liveness|startup) probe/i.test(e.message ?? ''));
    if (f.cause === 'crash-loop' && killedByProbe) {
      return withCause('probe-failing', [...(spec ? [describeProbe(spec, 'Liveness'), describeProbe(spec, 'Startup')].filter((x): x is string => Boolean(x)) : []), ...probeEvents.map(formatEvent)]);
    }
    return f;
  }

  if (f.cause === 'missing-env') {
    const names = missingVariables(logs);
    if (names.length) return { ...f, evidence: [`missing or malformed: ${names.join(', ')}`, ...f.evidence] };
  }
  if (f.cause === 'oom-killed' && spec?.resources?.limits?.memory) {
    return { ...f, evidence: [...f.evidence, `resources.limits.memory ${spec.resources.limits.memory}`] };
  }
  if (f.cause === 'database-unreachable') return { ...f, evidence: [...f.evidence, ...postgresEvidence(state)] };
  if (f.cause === 'migrations-missing') return { ...f, evidence: [...f.evidence, ...migrateJobEvidence(state)] };
  return f;
}

function migrateJobEvidence(state: ClusterState): string[] {
  const jobs = state.workloads.filter((w) => w.kind === 'Job' && componentOf(w.metadata.labels) === 'migrate');
  if (!jobs.length) return ['no migrate Job in the namespace'];
  return jobs.map((j) => {
    const done = j.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    return `job/${j.metadata.name}: ${done ? done.type : j.status?.active ? 'running' : 'not complete'}${done?.message ? ` (${done.message})` : ''}`;
  });
}

function postgresEvidence(state: ClusterState): string[] {
  const pg = state.pods.filter((p) => componentOf(p.metadata.labels) === 'postgres');
  if (!pg.length) return state.workloads.some((w) => w.metadata.name === 'postgres') ? ['no postgres pod'] : ['no in-cluster postgres (an external DATABASE_URL, or not deployed)'];
  return pg.map((p) => `pod/${p.metadata.name}: ${p.status?.phase ?? '?'}, ${isReady(p) ? 'ready' : 'not ready'}`);
}

function isReady(p: FullPod): boolean {
  return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Causes a healthy-looking pod can still show in its log: the service answers, but its callers fail. */
const logOnlyCauses: CauseId[] = ['mcp-host-rejected', 'database-auth', 'database-tls', 'read-only-filesystem', 'migrations-missing'];

function logFindings(state: ClusterState, pods: FullPod[], seen: Set<string>): Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] {
  const out: Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] = [];
  const migrated = state.workloads.some((w) => w.kind === 'Job' && componentOf(w.metadata.labels) === 'migrate' && w.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
  const backendReady = Object.entries(state.probes ?? {}).some(([, a]) => a.status === 200 && a.path === '/ready');
  for (const pod of pods) {
    if (seen.has(`pod/${pod.metadata.name}`)) continue;
    for (const cs of pod.status?.containerStatuses ?? []) {
      const text = state.logs[`${pod.metadata.name}/${cs.name}`];
      if (!text) continue;
      for (const line of text.split('\n')) {
        const cause = classifyText(line);
        if (!cause || !logOnlyCauses.includes(cause)) continue;
        // A service that started before the migrate Job finished logs it once; a completed Job settles it.
        if (cause === 'migrations-missing' && (migrated || backendReady)) continue;
        const matching = text.split('\n').filter((l) => classifyText(l) === cause);
        const evidence = [`${matching.length} log line(s) like:`, ...lastLines(matching.slice(-3).join('\n'), 3)];
        if (cause === 'mcp-host-rejected') evidence.push(...hostEvidence(state, matching));
        out.push({ cause, object: `pod/${pod.metadata.name}`, container: cs.name, component: componentOf(pod.metadata.labels), evidence });
        break;
      }
      if (out.some((f) => f.object === `pod/${pod.metadata.name}`)) break;
    }
  }
  return out;
}

function hostEvidence(state: ClusterState, lines: string[]): string[] {
  const hosts = new Set<string>();
  for (const l of lines) {
    const m = /"host":"([^"]+)"/.exec(l) ?? /Host(?: header)?:? ([A-Za-z0-9.:-]+)/.exec(l);
    if (m) hosts.add(m[1]!);
  }
  const allowed = state.configMap?.data?.MCP_ALLOWED_HOSTS;
  const url = state.configMap?.data?.MCP_SERVER_URL;
  return [
    ...(hosts.size ? [`rejected Host: ${[...hosts].join(', ')}`] : []),
    ...(url ? [`MCP_SERVER_URL (todo-config): ${url}`] : []),
    ...(allowed !== undefined ? [`MCP_ALLOWED_HOSTS (todo-config): ${allowed || '(empty)'}`] : []),
  ];
}

/** Secret and ConfigMap keys the pods need that are not there (before a restart turns them into a crash). */
function referenceFindings(state: ClusterState, pods: FullPod[], workloads: WorkloadObject[], seen: Set<DiagnosisCauseId>): Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] {
  const out: Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] = [];
  const needs = new Map<string, Set<string>>(); // "secret:KEY" -> components
  const specs: [string, ContainerSpec[]][] = [
    ...workloads.filter((w) => w.kind !== 'ReplicaSet').map((w) => [componentOf(w.metadata.labels) || w.metadata.name, w.spec?.template?.spec?.containers ?? []] as [string, ContainerSpec[]]),
    ...pods.map((p) => [componentOf(p.metadata.labels), p.spec?.containers ?? []] as [string, ContainerSpec[]]),
  ];
  for (const [component, containers] of specs) {
    for (const c of containers) {
      for (const e of c.env ?? []) {
        const s = e.valueFrom?.secretKeyRef;
        if (s && s.name === secretName && !s.optional) (needs.get(`secret:${s.key}`) ?? needs.set(`secret:${s.key}`, new Set()).get(`secret:${s.key}`)!).add(component);
        const m = e.valueFrom?.configMapKeyRef;
        if (m && m.name === configName && !m.optional) (needs.get(`config:${m.key}`) ?? needs.set(`config:${m.key}`, new Set()).get(`config:${m.key}`)!).add(component);
      }
    }
  }
  const neededSecret = [...needs.keys()].filter((k) => k.startsWith('secret:'));
  const neededConfig = [...needs.keys()].filter((k) => k.startsWith('config:'));
  const already = (cause: DiagnosisCauseId) => seen.has(cause);
  if (state.secret === null && neededSecret.length && !already('missing-secret')) {
    out.push({ cause: 'missing-secret', object: `secret/${secretName}`, evidence: [`secret ${secretName} does not exist; needed by ${[...new Set(neededSecret.flatMap((k) => [...needs.get(k)!]))].join(', ')}`] });
  } else if (state.secret) {
    const have = new Set([...Object.keys(state.secret.data ?? {}), ...Object.keys(state.secret.stringData ?? {})]);
    const missing = neededSecret.map((k) => k.slice(7)).filter((k) => !have.has(k));
    if (missing.length && !already('missing-secret-key')) {
      out.push({
        cause: 'missing-secret-key',
        object: `secret/${secretName}`,
        evidence: [...missing.map((k) => `key ${k} missing; needed by ${[...needs.get(`secret:${k}`)!].join(', ')}`), `keys present: ${[...have].sort().join(', ') || '(none)'}`],
      });
    }
  }
  if (state.configMap === null && neededConfig.length && !already('missing-config')) {
    out.push({ cause: 'missing-config', object: `configmap/${configName}`, evidence: [`configmap ${configName} does not exist`] });
  } else if (state.configMap) {
    const missing = neededConfig.map((k) => k.slice(7)).filter((k) => !(k in (state.configMap!.data ?? {})));
    if (missing.length && !already('missing-config')) {
      out.push({ cause: 'missing-config', object: `configmap/${configName}`, evidence: missing.map((k) => `key ${k} missing; needed by ${[...needs.get(`config:${k}`)!].join(', ')}`) });
    }
  }
  return out;
}

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || !Object.keys(selector).length) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function serviceFindings(state: ClusterState, pods: FullPod[], explained: Set<string>): Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] {
  const out: Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] = [];
  for (const svc of state.services) {
    const selector = svc.spec?.selector;
    if (!selector || !inScope(state, selector)) continue;
    const app = selector['app.kubernetes.io/name'];
    const workload = state.workloads.find((w) => (w.kind === 'Deployment' || w.kind === 'StatefulSet') && (w.metadata.name === svc.metadata.name || componentOf(w.metadata.labels) === app));
    if (!workload || (workload.spec?.replicas ?? 1) === 0) continue;
    const behind = state.pods.filter((p) => selects(selector, p.metadata.labels) && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
    const templateLabels = (workload.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels;
    if (!behind.length && templateLabels && !selects(selector, templateLabels)) {
      out.push({
        cause: 'service-selector',
        object: `service/${svc.metadata.name}`,
        component: app,
        evidence: [`selector ${JSON.stringify(selector)}`, `pod template labels of ${workload.kind.toLowerCase()}/${workload.metadata.name}: ${JSON.stringify(templateLabels)}`],
      });
      continue;
    }
    const ready = behind.filter(isReady);
    if (!ready.length && !explained.has(app ?? '') && pods.length) {
      out.push({
        cause: 'no-endpoints',
        object: `service/${svc.metadata.name}`,
        component: app,
        evidence: [`0 of ${behind.length} pod(s) behind service ${svc.metadata.name} are Ready`, ...behind.slice(0, 3).map((p) => `pod/${p.metadata.name}: ${podStatus(p)}`)],
      });
    }
  }
  return out;
}

function nodePortFindings(state: ClusterState): Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] {
  const out: Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] = [];
  if (state.errorText) {
    const cause = classifyText(state.errorText);
    if (cause) {
      out.push({ cause, object: cause === 'node-port-taken' ? 'service/frontend' : `namespace/${state.namespace}`, evidence: state.errorText.trim().split('\n').slice(-4) });
      return out;
    }
  }
  if (!inScope(state, { 'app.kubernetes.io/name': 'frontend' })) return out;
  const hasFrontend = state.workloads.some((w) => w.kind === 'Deployment' && w.metadata.name === 'frontend');
  const svc = state.services.find((s) => s.metadata.name === 'frontend');
  if (!hasFrontend || svc) return out;
  const port = state.nodePort ?? defaultNodePort;
  const holder = (state.nodePortServices ?? []).find((s) => s.spec?.ports?.some((p) => p.nodePort === port) && !(s.metadata.namespace === state.namespace && s.metadata.name === 'frontend'));
  if (holder) {
    out.push({
      cause: 'node-port-taken',
      object: 'service/frontend',
      component: 'frontend',
      evidence: [`service frontend is missing from ${state.namespace}`, `NodePort ${port} is held by service ${holder.metadata.namespace}/${holder.metadata.name}`],
    });
  }
  return out;
}

function nodeFindings(state: ClusterState): Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] {
  const out: Omit<DiagnosisFinding, 'commands' | 'title' | 'fatal' | 'hint'>[] = [];
  for (const n of state.nodes ?? []) {
    const conds = n.status?.conditions ?? [];
    const ready = conds.find((c) => c.type === 'Ready');
    if (ready && ready.status !== 'True') {
      out.push({ cause: 'node-not-ready', object: `node/${n.metadata.name}`, evidence: [`Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ''}: ${ready.message ?? ''}`.trim()] });
    }
    const pressure = conds.filter((c) => /Pressure$/.test(c.type) && c.status === 'True');
    if (pressure.length) {
      out.push({ cause: 'node-pressure', object: `node/${n.metadata.name}`, evidence: pressure.map((c) => `${c.type}: ${c.message ?? c.reason ?? 'True'}`) });
    }
  }
  return out;
}

function podStatus(p: FullPod): string {
  if (p.status?.reason) return p.status.reason;
  const all = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const waiting = all.find((c) => c.state?.waiting?.reason)?.state?.waiting?.reason;
  if (waiting) return waiting;
  const term = all.find((c) => c.state?.terminated)?.state?.terminated;
  if (term && p.status?.phase !== 'Succeeded') return term.reason ?? `exit ${term.exitCode}`;
  const unsched = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unsched) return unsched.reason ?? 'Unschedulable';
  if (p.status?.phase === 'Running' && !isReady(p)) return 'Running, not ready';
  return p.status?.phase ?? 'Unknown';
}

function lastExit(cs: ContainerStatus[]): string {
  const t = cs.map((c) => c.state?.terminated ?? c.lastState?.terminated).find(Boolean);
  return t ? `${t.exitCode ?? '?'} ${t.reason ?? ''}`.trim() : '';
}

/** Matches the gathered state against every known cause. Pure: fixtures go straight in. */
export function analyze(input: ClusterState): Report {
  const state: ClusterState = { ...input, logs: Object.fromEntries(Object.entries(input.logs).map(([k, v]) => [k, stripAnsi(v)])) };
  const pods = state.pods.filter((p) => inScope(state, p.metadata.labels, p.metadata.name));
  const workloads = state.workloads.filter((w) => inScope(state, w.metadata.labels, w.metadata.name));
  const jobs = workloads.filter((w) => w.kind === 'Job') as unknown as JobObject[];
  const podNames = new Set(pods.map((p) => p.metadata.name));
  const events = state.events.filter((e) => !state.component || podNames.has(e.involvedObject?.name ?? '') || workloads.some((w) => w.metadata.name === e.involvedObject?.name) || e.involvedObject?.kind === 'PersistentVolumeClaim');

  const findings: DiagnosisFinding[] = [];
  if (!state.namespaceExists) {
    findings.push(toDiagnosis(state, { cause: 'not-deployed', object: `namespace/${state.namespace}`, evidence: [`namespace ${state.namespace} does not exist on context ${state.context}`] }, pods));
  }

  // Evicted pods are history: the controller has replaced them. So are the failed attempts of a Job that completed.
  const evicted = pods.filter((p) => p.status?.phase === 'Failed' && p.status.reason === 'Evicted');
  const completedJobs = new Set(workloads.filter((w) => w.kind === 'Job' && w.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).map((w) => w.metadata.name));
  const live = pods.filter((p) => !evicted.includes(p) && !(p.status?.phase === 'Failed' && p.metadata.ownerReferences?.some((o) => o.kind === 'Job' && completedJobs.has(o.name))));
  for (const f of classify({ pods: live, events, jobs, logs: state.logs })) {
    const pod = live.find((p) => `pod/${p.metadata.name}` === f.object);
    findings.push(refine(state, toDiagnosis(state, f, pods), pod));
  }
  if (evicted.length) {
    findings.push(toDiagnosis(state, { cause: 'evicted', object: `pod/${evicted[0]!.metadata.name}`, component: componentOf(evicted[0]!.metadata.labels), evidence: evicted.slice(0, 3).map((p) => `pod/${p.metadata.name}: ${p.status?.message ?? 'Evicted'}`) }, pods));
  }

  // Controllers that could not create pods say so only in their own events.
  for (const w of workloads.filter((x) => x.kind === 'ReplicaSet' || x.kind === 'StatefulSet' || x.kind === 'Job')) {
    const failed = state.events.filter((e) => e.involvedObject?.name === w.metadata.name && e.reason === 'FailedCreate');
    if (failed.length && !pods.some((p) => p.metadata.ownerReferences?.some((o) => o.name === w.metadata.name))) {
      const owner = w.metadata.ownerReferences?.[0];
      findings.push(toDiagnosis(state, { cause: 'pods-not-created', object: `${w.kind.toLowerCase()}/${w.metadata.name}`, component: componentOf(w.metadata.labels), evidence: [...(owner ? [`owned by ${owner.kind.toLowerCase()}/${owner.name}`] : []), ...failed.slice(-2).map(formatEvent)] }, pods));
    }
  }

  const seen = new Set(findings.map((f) => f.object));
  for (const f of logFindings(state, live, seen)) findings.push(refine(state, toDiagnosis(state, f, pods), live.find((p) => `pod/${p.metadata.name}` === f.object)));
  for (const f of referenceFindings(state, pods, workloads, new Set(findings.map((x) => x.cause)))) findings.push(toDiagnosis(state, f, pods));
  for (const f of nodePortFindings(state)) findings.push(toDiagnosis(state, f, pods));
  for (const f of nodeFindings(state)) findings.push(toDiagnosis(state, f, pods));
  if (state.namespaceExists && !state.workloads.length && !state.pods.length && !findings.length) {
    findings.push(toDiagnosis(state, { cause: 'not-deployed', object: `namespace/${state.namespace}`, evidence: [`namespace ${state.namespace} has no workloads`] }, pods));
  }
  const explained = new Set(findings.map((f) => f.component).filter((c): c is string => Boolean(c)));
  for (const f of serviceFindings(state, pods, explained)) findings.push(toDiagnosis(state, f, pods));

  const summaries: WorkloadSummary[] = workloads
    .filter((w) => w.kind !== 'ReplicaSet')
    .map((w) => ({
      workload: `${w.kind.toLowerCase()}/${w.metadata.name}`,
      desired: w.kind === 'Job' ? 1 : (w.spec?.replicas ?? 1),
      ready: w.kind === 'Job' ? (w.status?.succeeded ?? 0) : (w.status?.readyReplicas ?? 0),
    }));
  const allReady = summaries.every((s) => s.ready >= s.desired);
  if (state.namespaceExists && !findings.length && !allReady) {
    const lagging = summaries.filter((s) => s.ready < s.desired);
    findings.push(toDiagnosis(state, {
      cause: 'unknown',
      object: lagging[0]!.workload,
      evidence: [...lagging.map((s) => `${s.workload}: ${s.ready}/${s.desired} ready`), ...events.filter((e) => e.type === 'Warning').slice(-5).map(formatEvent)],
    }, pods));
  }
  const order = (f: DiagnosisFinding) => (f.fatal ? 0 : f.cause === 'no-endpoints' || f.cause === 'unknown' ? 2 : 1);
  findings.sort((a, b) => order(a) - order(b));
  for (const f of findings) f.evidence = f.evidence.map(shorten);

  return {
    context: state.context,
    namespace: state.namespace,
    component: state.component,
    deployed: state.namespaceExists && (state.workloads.length > 0 || state.pods.length > 0),
    healthy: state.namespaceExists && findings.length === 0 && allReady,
    pods: pods.map((p) => {
      const cs = p.status?.containerStatuses ?? [];
      return {
        pod: p.metadata.name,
        component: componentOf(p.metadata.labels),
        phase: p.status?.phase ?? 'Unknown',
        status: podStatus(p),
        ready: `${cs.filter((c) => c.ready).length}/${p.spec?.containers?.length ?? cs.length}`,
        restarts: cs.reduce((n, c) => n + c.restartCount, 0),
        lastExit: lastExit(cs),
        node: p.spec?.nodeName ?? '',
      };
    }),
    workloads: summaries,
    nodes: (state.nodes ?? []).map((n) => ({
      node: n.metadata.name,
      ready: n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      pressure: (n.status?.conditions ?? []).filter((c) => /Pressure$/.test(c.type) && c.status === 'True').map((c) => c.type),
      cpuAllocatable: n.status?.allocatable?.cpu ?? '?',
      memoryAllocatable: n.status?.allocatable?.memory ?? '?',
    })),
    findings,
  };
}

// --- gathering ----------------------------------------------------------------------------------------------------

export interface GatherOptions {
  component?: DiagnoseComponent;
  errorText?: string;
  nodePort?: number;
  /** Log lines per container. */
  tail?: number;
}

/** Thrown when kubectl cannot read the cluster at all (no context, API server down): nothing to diagnose from. */
export class ClusterUnreachable extends Error {
  override name = 'ClusterUnreachable';
}

async function list<T>(args: string[]): Promise<T[]> {
  const out = await $k`kubectl ${args} -o json`.nothrow();
  if (out.exitCode !== 0) {
    if (/NotFound|not found/i.test(out.stderr)) return [];
    throw new ClusterUnreachable(`kubectl ${args.join(' ')}: ${out.stderr.trim().split('\n').pop()}`);
  }
  return (JSON.parse(out.stdout) as { items: T[] }).items;
}

/** One object, null when it does not exist, undefined when it cannot be read (RBAC). */
async function getOne<T>(args: string[]): Promise<T | null | undefined> {
  const out = await $k`kubectl ${args} -o json`.nothrow();
  if (out.exitCode === 0) return JSON.parse(out.stdout) as T;
  if (/NotFound|not found/i.test(out.stderr)) return null;
  return undefined;
}

/**
 * Reads the namespace with read-only kubectl calls: pods, workloads, Services, events, nodes, the Secret's key names
 * (its values only to redact them), the ConfigMap, log tails of every container (and the previous one after a
 * restart), and for our services that run but are not ready, their readiness endpoint's answer from inside the pod.
 */
export async function gather(t: Target, o: GatherOptions = {}): Promise<ClusterState> {
  const ns = await $k`kubectl --context ${t.context} get namespace ${t.namespace} -o name`.nothrow();
  const base: ClusterState = { context: t.context, namespace: t.namespace, component: o.component, namespaceExists: false, pods: [], events: [], workloads: [], services: [], logs: {}, errorText: o.errorText, nodePort: o.nodePort };
  if (ns.exitCode !== 0) {
    if (/NotFound|not found/i.test(ns.stderr)) return { ...base, nodes: await list<NodeObject>(['--context', t.context, 'get', 'nodes']).catch(() => undefined) };
    throw new ClusterUnreachable(ns.stderr.trim().split('\n').pop() ?? 'kubectl failed');
  }
  const [pods, workloads, services, events, nodes, secret, configMap] = await Promise.all([
    list<FullPod>([...kube(t), 'get', 'pods']),
    list<WorkloadObject>([...kube(t), 'get', 'deployments,statefulsets,replicasets,jobs']),
    list<ServiceObject>([...kube(t), 'get', 'services']),
    list<KubeEvent>([...kube(t), 'get', 'events']),
    list<NodeObject>(['--context', t.context, 'get', 'nodes']).catch(() => undefined),
    getOne<SecretObject>([...kube(t), 'get', 'secret', secretName]),
    getOne<ConfigMapObject>([...kube(t), 'get', 'configmap', configName]),
  ]);
  const state: ClusterState = { ...base, namespaceExists: true, pods, workloads, services, events, nodes, secret, configMap };

  if (workloads.some((w) => w.kind === 'Deployment' && w.metadata.name === 'frontend') && !services.some((s) => s.metadata.name === 'frontend')) {
    const all = await list<ServiceObject>(['--context', t.context, 'get', 'services', '--all-namespaces']).catch(() => []);
    state.nodePortServices = all.filter((s) => s.spec?.ports?.some((p) => p.nodePort));
  }

  const tail = String(o.tail ?? 40);
  const scoped = pods.filter((p) => inScope(state, p.metadata.labels, p.metadata.name));
  await inBatches(
    scoped.flatMap((p) =>
      [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((cs) => async () => {
        const name = p.metadata.name;
        if (cs.restartCount > 0 || cs.lastState?.terminated) {
          const prev = await $k`kubectl ${kube(t)} logs ${name} -c ${cs.name} --previous --tail ${tail}`.nothrow();
          if (prev.exitCode === 0 && prev.stdout.trim()) state.logs[`${name}/${cs.name}/previous`] = prev.stdout;
        }
        if (cs.state?.running || cs.state?.terminated) {
          const cur = await $k`kubectl ${kube(t)} logs ${name} -c ${cs.name} --tail ${tail}`.nothrow();
          if (cur.exitCode === 0 && cur.stdout.trim()) state.logs[`${name}/${cs.name}`] = cur.stdout;
        }
        const spec = p.spec?.containers?.find((c) => c.name === cs.name);
        const probe = spec?.readinessProbe?.httpGet;
        if (cs.state?.running && !cs.ready && probe && ours(spec?.image)) {
          const answer = await askReadiness(t, name, spec!, probe);
          if (answer) (state.probes ??= {})[`${name}/${cs.name}`] = answer;
        }
      }),
    ),
  );
  return state;
}

/** Runs the tasks a few at a time: a scaled-up namespace must not start a hundred kubectl processes at once. */
async function inBatches(tasks: (() => Promise<void>)[], size = 6): Promise<void> {
  for (let i = 0; i < tasks.length; i += size) await Promise.all(tasks.slice(i, i + size).map((t) => t()));
}

/** The readiness endpoint's status and body, fetched by the container's own Node (our images have no curl). */
async function askReadiness(t: Target, pod: string, c: ContainerSpec, probe: NonNullable<ProbeSpec['httpGet']>): Promise<ProbeAnswer | undefined> {
  const port = typeof probe.port === 'string' ? c.ports?.find((p) => p.name === probe.port)?.containerPort : probe.port;
  if (!port) return undefined;
  const path = probe.path ?? '/';
  const script = `fetch(${JSON.stringify(`http://127.0.0.1:${port}${path}`)},{signal:AbortSignal.timeout(4000)}).then(async r=>console.log(r.status+' '+(await r.text()).slice(0,500))).catch(e=>console.log('0 '+e.message))`;
  const out = await $k`kubectl ${kube(t)} exec ${pod} -c ${c.name} -- node -e ${script}`.timeout('15s').nothrow();
  const m = /^(\d+) ([\s\S]*)$/.exec(out.stdout.trim());
  return m ? { path, status: Number(m[1]), body: m[2]! } : undefined;
}

/** Every value in the state that must not be printed: the Secret's values and secret-looking env values. */
export function redactorFor(state: ClusterState): Redactor {
  return createRedactor([...secretValues(state.secret), ...secretEnvValues(state.pods), ...secretEnvValues(state.workloads)]);
}

export interface DiagnoseOptions extends GatherOptions {
  context: string;
  namespace: string;
}

export interface Diagnosis {
  report: Report;
  /** What was read, with every secret value redacted: the bundle handed to AI tools. */
  state: ClusterState;
  /** Knows the secret values that were read, for anything composed from the two above. */
  redactor: Redactor;
}

/** Matches and redacts: the report and the state are safe to print and to hand to other tools. */
export function diagnoseState(raw: ClusterState): Diagnosis {
  const redactor = redactorFor(raw);
  return { report: redactor.deep(analyze(raw)), state: redactor.deep(raw), redactor };
}

/** Gathers (read-only), matches and redacts. */
export async function diagnose(o: DiagnoseOptions): Promise<Diagnosis> {
  return diagnoseState(await gather({ context: o.context, namespace: o.namespace }, o));
}

// --- printing -----------------------------------------------------------------------------------------------------

export function printReport(report: Report, log: Logger): void {
  log.step(`Diagnosis of ${report.component ? `${report.component} in ` : ''}namespace ${report.namespace} on ${report.context}`);
  if (report.pods.length) {
    log.table(['pod', 'status', 'ready', 'restarts', 'last exit', 'node'], report.pods.map((p) => [p.pod, p.status, p.ready, p.restarts, p.lastExit || '-', p.node || '-']));
  }
  const pressured = report.nodes.filter((n) => !n.ready || n.pressure.length);
  for (const n of pressured) log.warn(`node ${n.node}: ${n.ready ? '' : 'NotReady '}${n.pressure.join(', ')}`.trim());
  for (const f of report.findings) {
    const where = `${f.object}${f.container ? ` (${f.container})` : ''}`;
    (f.fatal ? log.fail : log.warn)(`${where}: ${f.title}  [${f.cause}]`);
    log.detail(f.evidence.flatMap((e) => e.split('\n')));
    log.info(`fix: ${f.hint}`);
    log.info(`look yourself: ${f.commands[0] ?? ''}`);
    for (const c of f.commands.slice(1)) log.info(`               ${c}`);
  }
  if (report.healthy) log.ok(`no problems found: ${report.workloads.map((w) => `${w.workload} ${w.ready}/${w.desired}`).join(', ')}`);
  else if (report.findings.length) {
    const causes = [...new Set(report.findings.map((f) => f.cause))];
    log.fail(`${report.findings.length} finding(s): ${causes.join(', ')}`);
  }
}

/** The findings as one compact text, e.g. for a CI log or a question to an AI tool. */
export function formatFindings(report: Report): string {
  if (!report.findings.length) return report.healthy ? 'no problems found' : 'not ready, no known cause';
  return report.findings.map((f) => [`${f.object}${f.container ? ` (${f.container})` : ''}: ${f.title} [${f.cause}]`, ...f.evidence.map((e) => `  ${e}`), `  fix: ${f.hint}`].join('\n')).join('\n');
}


/** The component a deploy stage (`deployment/backend`, `job/migrate-…`, `statefulset/postgres`) belongs to. */
export function componentOfStage(stage: string): DiagnoseComponent | undefined {
  const [kind, name = ''] = stage.split('/');
  if (kind === 'job' || name.startsWith('migrate-')) return 'migrate';
  if (name === 'mcp-server') return 'mcp_server';
  return (diagnoseComponents as readonly string[]).includes(name) ? (name as DiagnoseComponent) : undefined;
}

/**
 * What a failed deploy step prints before it exits: the diagnosis of the stage's component (or of the whole app),
 * with the failed command's stderr as evidence (e.g. an apply refused for a taken NodePort). Never throws: a
 * diagnosis that cannot be made must not hide the original failure.
 */
export async function explainFailure(t: Target, err: unknown, o: { log: Logger; nodePort?: number }): Promise<Report | undefined> {
  const stage = (err as { stage?: unknown })?.stage;
  const stderr = (err as { stderr?: unknown })?.stderr;
  try {
    const { report } = await diagnose({
      context: t.context,
      namespace: t.namespace,
      component: typeof stage === 'string' ? componentOfStage(stage) : undefined,
      errorText: typeof stderr === 'string' && stderr.trim() ? stderr : undefined,
      nodePort: o.nodePort,
    });
    printReport(report, o.log);
    o.log.info(`more: npx tsx scripts/diagnose.ts --context ${t.context} --namespace ${t.namespace} --ai`);
    return report;
  } catch (e) {
    o.log.warn(`diagnosis failed: ${(e as Error).message}`);
    return undefined;
  }
}
