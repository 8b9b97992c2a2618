/**
 * Known causes of a deployment not becoming ready, matched against what kubectl reports. Pure: the input is parsed
 * `kubectl get pods/jobs/events -o json` plus container log tails, the output is findings with evidence and a fix.
 * A fatal finding cannot recover by waiting (the deploy stops at once); a transient one may (a dependency still
 * starting), so the deploy keeps waiting until its deadline and reports it only then.
 */

export type CauseId =
  | 'image-not-present'
  | 'image-pull'
  | 'missing-secret'
  | 'missing-secret-key'
  | 'missing-config'
  | 'container-config'
  | 'container-start'
  | 'command-not-found'
  | 'oom-killed'
  | 'missing-env'
  | 'database-tls'
  | 'database-auth'
  | 'database-permissions'
  | 'database-unreachable'
  | 'migrations-missing'
  | 'mcp-host-rejected'
  | 'read-only-filesystem'
  | 'probe-path'
  | 'probe-failing'
  | 'unschedulable-resources'
  | 'volume-unbound'
  | 'unschedulable'
  | 'job-failed'
  | 'node-port-taken'
  | 'immutable-field'
  | 'crash-loop';

export interface Cause {
  title: string;
  fatal: boolean;
  hint: string;
}

export const causes: Record<CauseId, Cause> = {
  'image-not-present': {
    title: 'image not in the cluster’s container runtime',
    fatal: true,
    hint: 'build into the cluster’s daemon (deploy.ts does this for minikube via `minikube docker-env`), or pass --registry host:port so images are pushed where the nodes pull from',
  },
  'image-pull': {
    title: 'image cannot be pulled',
    fatal: true,
    hint: 'check the image name and tag and that the node can reach the registry (with --registry, the nodes must be able to pull from it)',
  },
  'missing-secret': {
    title: 'Secret todo-secrets missing',
    fatal: true,
    hint: 'run deploy.ts again: it creates the Secret before any workload',
  },
  'missing-secret-key': {
    title: 'a key is missing from Secret todo-secrets',
    fatal: true,
    hint: 'run deploy.ts again to recreate the Secret with every key (values in .env or the environment win; generated ones are kept)',
  },
  'missing-config': {
    title: 'ConfigMap todo-config or one of its keys is missing',
    fatal: true,
    hint: 'run deploy.ts again so 10-config.yaml is applied',
  },
  'container-config': {
    title: 'container configuration invalid',
    fatal: true,
    hint: 'read the message above; it names the field kubelet rejected',
  },
  'container-start': {
    title: 'container runtime could not start the container',
    fatal: true,
    hint: 'the image’s entry point or the securityContext does not fit; run the image locally with `docker run --read-only --user 10001` to reproduce',
  },
  'command-not-found': {
    title: 'the container’s command does not exist in the image',
    fatal: true,
    hint: 'check the image’s CMD/ENTRYPOINT and, for the migrate Job, that the image contains dist/migrate.js',
  },
  'oom-killed': {
    title: 'container killed for exceeding its memory limit',
    fatal: true,
    hint: 'raise resources.limits.memory in the component’s k8s/ manifest, or look for a leak in the logs',
  },
  'missing-env': {
    title: 'the service exits because an environment variable is missing or malformed',
    fatal: true,
    hint: 'the log names the variable: set it in .env (see .env.example) and deploy again',
  },
  'database-tls': {
    title: 'the database requires TLS (or refuses it)',
    fatal: true,
    hint: 'append ?sslmode=require to DATABASE_URL for hosted Postgres such as Neon',
  },
  'database-auth': {
    title: 'the database rejected the password',
    fatal: true,
    hint: 'the postgres volume keeps the password it was first created with: restore the old POSTGRES_PASSWORD, or `teardown.ts --purge` to start with an empty database',
  },
  'database-permissions': {
    title: 'postgres refuses its data directory’s permissions',
    fatal: true,
    hint: 'the volume’s group permissions were changed under PGDATA: keep `fsGroupChangePolicy: OnRootMismatch` on the postgres pod (k8s/20-postgres.yaml), then delete the pod',
  },
  'database-unreachable': {
    title: 'the database is not reachable (yet)',
    fatal: false,
    hint: 'the postgres pod may still be starting; if it persists, check `status.ts`, DATABASE_URL and the NetworkPolicy egress to port 5432',
  },
  'migrations-missing': {
    title: 'the database schema is not migrated',
    fatal: false,
    hint: 'the migrate Job must complete first: `kubectl -n todo logs job/<migrate job>`',
  },
  'mcp-host-rejected': {
    title: 'the MCP server rejects the Host header',
    fatal: true,
    hint: 'MCP_ALLOWED_HOSTS in todo-config must list the host the backend uses (mcp-server and mcp-server:8001)',
  },
  'read-only-filesystem': {
    title: 'the service writes outside its writable folders',
    fatal: true,
    hint: 'the root filesystem is read-only; only /tmp is writable. Point the write at /tmp or mount an emptyDir there',
  },
  'probe-path': {
    title: 'a probe hits a path the service does not serve',
    fatal: true,
    hint: 'probe paths: frontend /api/health, backend /health and /ready, mcp-server /health',
  },
  'probe-failing': {
    title: 'a probe keeps failing',
    fatal: false,
    hint: 'the service listens on another port, is too slow to start, or a dependency is down; see the events and logs',
  },
  'unschedulable-resources': {
    title: 'not enough CPU or memory on the nodes',
    fatal: true,
    hint: 'give the cluster more (`minikube start --cpus 4 --memory 6g`), or lower replicas/requests',
  },
  'volume-unbound': {
    title: 'the database volume claim is not bound',
    fatal: false,
    hint: 'the cluster needs a default StorageClass with a provisioner (minikube has one; `kubectl get storageclass`)',
  },
  unschedulable: {
    title: 'pod cannot be scheduled',
    fatal: false,
    hint: 'see the scheduler’s message in the events',
  },
  'job-failed': {
    title: 'the migrate Job failed',
    fatal: true,
    hint: 'the log lines show why; fix and deploy again (a new backend image gets a new Job)',
  },
  'node-port-taken': {
    title: 'the NodePort is already in use',
    fatal: true,
    hint: 'choose another with --node-port (30000-32767)',
  },
  'immutable-field': {
    title: 'a field that cannot change was changed',
    fatal: true,
    hint: 'delete the object (`teardown.ts` keeps the database volume) and deploy again',
  },
  'crash-loop': {
    title: 'the container keeps exiting',
    fatal: false,
    hint: 'read the last log lines; `logs.ts <component> --previous` shows the crashed container',
  },
};

/** Causes recognisable in free text: container logs, kubectl apply errors, event messages. First match wins. */
export const textRules: { cause: CauseId; pattern: RegExp }[] = [
  { cause: 'missing-env', pattern: /missing environment variables?|invalid environment variables?|is required but not set|missing required env/i },
  { cause: 'database-tls', pattern: /does not support SSL|SSL\/TLS required|connection requires SSL|no encryption|SSL off|self[- ]signed certificate/i },
  { cause: 'database-auth', pattern: /password authentication failed/i },
  { cause: 'database-permissions', pattern: /data directory "[^"]+" has invalid permissions|data directory "[^"]+" has wrong ownership/i },
  { cause: 'mcp-host-rejected', pattern: /invalid host header|DNS rebinding|rejected foreign Host|Host not allowed/i },
  { cause: 'read-only-filesystem', pattern: /EROFS|read-only file system/i },
  { cause: 'node-port-taken', pattern: /provided port is already allocated/i },
  { cause: 'immutable-field', pattern: /field is immutable/i },
  { cause: 'migrations-missing', pattern: /relation "[^"]+" does not exist|not migrated/i },
  {
    cause: 'database-unreachable',
    pattern: /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo|Connection terminated unexpectedly|the database system is starting up|connect ETIMEDOUT/i,
  },
  // The backend's own report of bad variables, and the driver's words when a hosted database requires TLS.
  { cause: 'missing-env', pattern: /invalid environment:/i },
  { cause: 'database-tls', pattern: /connection is insecure|SSL connection is required/i },
];

/** envalid and other CLIs colour their output even without a terminal; colour codes split the words rules look for. */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

export function classifyText(text: string): CauseId | undefined {
  const plain = stripAnsi(text);
  return textRules.find((r) => r.pattern.test(plain))?.cause;
}

// --- the parts of kubectl's JSON the rules read ------------------------------------------------------------------

export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; message?: string; exitCode?: number };
}

export interface ContainerStatus {
  name: string;
  ready: boolean;
  restartCount: number;
  image?: string;
  state?: ContainerState;
  lastState?: ContainerState;
}

export interface Pod {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: { kind: string; name: string }[] };
  spec?: { containers?: { name: string; image: string }[] };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

export interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string };
  lastTimestamp?: string | null;
  eventTime?: string | null;
}

export interface JobObject {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[]; failed?: number; succeeded?: number };
}

export interface Observation {
  pods: Pod[];
  events: KubeEvent[];
  jobs?: JobObject[];
  /** Log tails by `pod/container`, and the crashed container's by `pod/container/previous`. */
  logs?: Record<string, string>;
}

export interface Finding {
  cause: CauseId;
  title: string;
  fatal: boolean;
  hint: string;
  /** `pod/<name>` or `job/<name>`, with the container when one is to blame. */
  object: string;
  container?: string;
  evidence: string[];
}

function finding(cause: CauseId, object: string, container: string | undefined, evidence: (string | undefined)[]): Finding {
  const c = causes[cause];
  return { cause, title: c.title, fatal: c.fatal, hint: c.hint, object, container, evidence: evidence.filter((e): e is string => Boolean(e)) };
}

function eventsFor(events: KubeEvent[], name: string): KubeEvent[] {
  return events.filter((e) => e.involvedObject?.name === name);
}

export function formatEvent(e: KubeEvent): string {
  return `${e.type ?? ''} ${e.reason ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message ?? ''}`.trim();
}

function lastLines(text: string | undefined, n = 3): string | undefined {
  if (!text?.trim()) return undefined;
  return text.trimEnd().split('\n').slice(-n).map((l) => `log: ${l}`).join('\n');
}

function containerFindings(pod: Pod, cs: ContainerStatus, obs: Observation): Finding[] {
  const podRef = `pod/${pod.metadata.name}`;
  const waiting = cs.state?.waiting;
  const term = cs.state?.terminated ?? cs.lastState?.terminated;
  const logs = [obs.logs?.[`${pod.metadata.name}/${cs.name}/previous`], obs.logs?.[`${pod.metadata.name}/${cs.name}`]].filter(Boolean).join('\n');
  const waitingLine = waiting?.reason ? `${waiting.reason}: ${waiting.message ?? ''}`.trim() : undefined;
  const pull = (...reasons: string[]) => reasons.includes(waiting?.reason ?? '');

  if (pull('ErrImageNeverPull')) return [finding('image-not-present', podRef, cs.name, [waitingLine])];
  if (pull('ImagePullBackOff', 'InvalidImageName')) return [finding('image-pull', podRef, cs.name, [waitingLine])];
  if (pull('ErrImagePull')) {
    // One failed pull may be a registry hiccup; a missing image or tag will not appear by waiting.
    const gone = /not found|manifest unknown|does not exist|unauthorized|denied/i.test(waiting?.message ?? '');
    return gone ? [finding('image-pull', podRef, cs.name, [waitingLine])] : [];
  }
  if (pull('CreateContainerConfigError')) {
    const m = waiting?.message ?? '';
    if (/couldn't find key \S+ in Secret/i.test(m)) return [finding('missing-secret-key', podRef, cs.name, [waitingLine])];
    if (/secret "[^"]+" not found/i.test(m)) return [finding('missing-secret', podRef, cs.name, [waitingLine])];
    if (/configmap/i.test(m)) return [finding('missing-config', podRef, cs.name, [waitingLine])];
    return [finding('container-config', podRef, cs.name, [waitingLine])];
  }
  if (pull('CreateContainerError', 'RunContainerError', 'StartError')) {
    const cause = /executable file not found|no such file or directory/i.test(waiting?.message ?? '') ? 'command-not-found' : 'container-start';
    return [finding(cause, podRef, cs.name, [waitingLine])];
  }
  if (term?.reason === 'OOMKilled') return [finding('oom-killed', podRef, cs.name, [`terminated: OOMKilled (exit ${term.exitCode ?? '?'}), restarts ${cs.restartCount}`, lastLines(logs)])];
  if (term?.reason === 'StartError' || term?.exitCode === 127 || term?.exitCode === 126) {
    return [finding('command-not-found', podRef, cs.name, [`terminated: ${term.reason ?? ''} exit ${term.exitCode}: ${term.message ?? ''}`.trim(), lastLines(logs)])];
  }
  if (term && pod.status?.phase === 'Failed') {
    // A Job's pod does not restart: its log says whether another attempt can succeed.
    const fromLogs = classifyText(logs);
    return [finding(fromLogs ?? 'crash-loop', podRef, cs.name, [`exited ${term.exitCode ?? '?'} (${term.reason ?? 'Error'})`, lastLines(logs, 5)])];
  }
  if (waiting?.reason === 'CrashLoopBackOff' || (term && cs.restartCount > 0 && !cs.ready)) {
    const fromLogs = classifyText(logs);
    const evidence = [`${waiting?.reason ?? 'restarting'}: exit ${term?.exitCode ?? '?'}, restarts ${cs.restartCount}`, lastLines(logs, 5)];
    return [finding(fromLogs ?? 'crash-loop', podRef, cs.name, evidence)];
  }
  if (cs.state?.running && !cs.ready) {
    const unhealthy = eventsFor(obs.events, pod.metadata.name).filter((e) => e.reason === 'Unhealthy');
    if (unhealthy.some((e) => /statuscode: 404/.test(e.message ?? ''))) {
      return [finding('probe-path', podRef, cs.name, unhealthy.map(formatEvent))];
    }
    const fromLogs = classifyText(logs);
    if (fromLogs && causes[fromLogs].fatal) return [finding(fromLogs, podRef, cs.name, [lastLines(logs, 5)])];
    if (unhealthy.length) return [finding(fromLogs ?? 'probe-failing', podRef, cs.name, [...unhealthy.map(formatEvent), lastLines(logs)])];
  }
  return [];
}

function scheduleFindings(pod: Pod, obs: Observation): Finding[] {
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (pod.status?.phase !== 'Pending' || !cond) return [];
  const podRef = `pod/${pod.metadata.name}`;
  const message = cond.message ?? '';
  const events = eventsFor(obs.events, pod.metadata.name).filter((e) => e.reason === 'FailedScheduling').map(formatEvent);
  if (/Insufficient (cpu|memory)/i.test(message)) return [finding('unschedulable-resources', podRef, undefined, [message, ...events])];
  if (/unbound (immediate )?PersistentVolumeClaims|persistentvolumeclaim .* not found/i.test(message)) {
    const claimEvents = obs.events.filter((e) => e.involvedObject?.kind === 'PersistentVolumeClaim').map(formatEvent);
    const f = finding('volume-unbound', podRef, undefined, [message, ...claimEvents]);
    // No class and no provisioner: nothing will ever bind the claim.
    if (claimEvents.some((e) => /no storage class is set|storageclass\.storage\.k8s\.io "[^"]+" not found/i.test(e))) f.fatal = true;
    return [f];
  }
  return [finding('unschedulable', podRef, undefined, [message, ...events])];
}

function jobFindings(job: JobObject, obs: Observation): Finding[] {
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!failed) return [];
  const pods = obs.pods.filter((p) => p.metadata.labels?.['job-name'] === job.metadata.name || p.metadata.labels?.['batch.kubernetes.io/job-name'] === job.metadata.name);
  const logs = pods.map((p) => obs.logs?.[`${p.metadata.name}/${p.spec?.containers?.[0]?.name ?? 'migrate'}`]).filter(Boolean).join('\n');
  const cause = classifyText(logs);
  const f = finding('job-failed', `job/${job.metadata.name}`, undefined, [
    `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim(),
    cause ? `looks like: ${causes[cause].title} (${causes[cause].hint})` : undefined,
    lastLines(logs, 8),
  ]);
  return [f];
}

/** Findings for every pod and Job in the observation, fatal ones first. */
export function classify(obs: Observation): Finding[] {
  const findings: Finding[] = [];
  for (const job of obs.jobs ?? []) findings.push(...jobFindings(job, obs));
  for (const pod of obs.pods) {
    if (pod.status?.phase === 'Succeeded') continue;
    findings.push(...scheduleFindings(pod, obs));
    for (const cs of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      findings.push(...containerFindings(pod, cs, obs));
    }
  }
  return findings.sort((a, b) => Number(b.fatal) - Number(a.fatal));
}
