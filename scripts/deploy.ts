// Deploys the whole app to a Kubernetes cluster: preflight, build, Secret, render, apply in order behind gates.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { commonOptions, isEntry, parseCommand, parseInteger, parseRegistry, runMain, ScriptError, UsageError, type CommandSpec } from './lib/args.js';
import { causes, classifyText } from './lib/diagnose-rules.js';
import { explainFailure } from './lib/diagnose.js';
import { childEnv, EnvProblems, readDeployEnv, readToolEnv, type DeployEnv } from './lib/env.js';
import { buildImages, components, daemonHasImage, imageRef, type Component } from './lib/images.js';
import {
  $k, createdByKit, formatResources, freeCapacity, gate, getJson, getJsonOrNull, kube, namespaceMark, podRequests, resolveContext, type Resources, type Target,
  type WorkloadKind,
} from './lib/kubectl.js';
import { formatSeconds, log } from './lib/log.js';
import { defaultNodePort, manifestValues } from './lib/manifest-values.js';
import { ensureMinikubeRunning, minikubeDockerEnv, minikubeIp } from './lib/minikube.js';
import { parseImageRef, planImageChecks, referencedImages, registryManifest } from './lib/registry.js';
import { renderManifests, sha256, stampChecksums, writeRendered, type K8sObject, type RenderedFile } from './lib/render.js';
import { decodeSecret, planSecret, secretName, toEnvFile } from './lib/secrets.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const k8sDir = path.join(root, 'k8s');

export const spec = {
  command: 'npx tsx scripts/deploy.ts',
  summary: [
    'Builds the three images (content-hash tags; unchanged images are not rebuilt), creates the Secret, renders k8s/*.yaml',
    'and applies them in order: namespace, config, postgres, migrate Job, mcp-server, backend, frontend, network policies.',
    'Each stage waits behind its own deadline; a failure that cannot recover stops the deploy with its cause and a fix.',
    'Running it again with nothing changed builds nothing and rolls nothing.',
  ].join('\n'),
  options: {
    ...commonOptions,
    registry: { type: 'string', valueName: 'HOST:PORT', description: 'push images here and reference them from the cluster (any non-minikube cluster)' },
    'base-image': { type: 'string', valueName: 'IMAGE', description: 'Node base image for the service images (default: the Dockerfiles’ pinned one, or NODE_IMAGE)' },
    'env-file': { type: 'string', valueName: 'FILE', description: 'settings and secrets (default: .env in the repository root, if present)' },
    'node-port': { type: 'string', valueName: 'PORT', default: String(defaultNodePort), description: 'NodePort of the frontend (30000-32767)' },
    timeout: { type: 'string', valueName: 'SECONDS', default: '300', description: 'deadline of each stage' },
    'dry-run': { type: 'boolean', default: false, description: 'render and validate only; no cluster, no docker' },
    out: { type: 'string', valueName: 'DIR', description: 'with --dry-run: where to write the rendered manifests (default: build/k8s-dry-run)' },
  },
  examples: [
    'npx tsx scripts/deploy.ts',
    'npx tsx scripts/deploy.ts --dry-run --out /tmp/todo-k8s',
    'npx tsx scripts/deploy.ts --context my-cluster --registry registry.example.com:5000',
  ],
} as const satisfies CommandSpec;

/** One manifest file, applied when something in it changed, then (for workloads) waited for under --timeout. */
interface Stage {
  file: string;
  /** The workload to wait for after applying the file. */
  gate?: { kind: WorkloadKind; name: string; app: string };
}

const stages: Stage[] = [
  { file: '00-namespace.yaml' },
  { file: '10-config.yaml' },
  { file: '20-postgres.yaml', gate: { kind: 'statefulset', name: 'postgres', app: 'postgres' } },
  { file: '30-migrate-job.yaml', gate: { kind: 'job', name: '', app: 'migrate' } },
  { file: '40-mcp-server.yaml', gate: { kind: 'deployment', name: 'mcp-server', app: 'mcp-server' } },
  { file: '50-backend.yaml', gate: { kind: 'deployment', name: 'backend', app: 'backend' } },
  { file: '60-frontend.yaml', gate: { kind: 'deployment', name: 'frontend', app: 'frontend' } },
  { file: '70-network-policies.yaml' },
  { file: '80-ingress.yaml' },
];

export interface DeployOptions {
  target: Target;
  contextNamed?: string;
  registry?: string;
  baseImage?: string;
  env: DeployEnv;
  nodePort: number;
  timeoutSeconds: number;
  dryRun: boolean;
  out: string;
}

export function parseDeployArgs(argv: string[]): DeployOptions {
  const { values } = parseCommand(spec, argv);
  if (values.out && !values['dry-run']) throw new UsageError('--out only goes with --dry-run');
  const envFile = values['env-file'] ? path.resolve(values['env-file']) : path.join(root, '.env');
  if (values['env-file'] && !existsSync(envFile)) throw new UsageError(`--env-file ${values['env-file']} does not exist`);
  let env: DeployEnv;
  try {
    env = readDeployEnv(envFile);
  } catch (err) {
    if (err instanceof EnvProblems) throw new UsageError(err.message);
    throw err;
  }
  return {
    target: { context: values.context ?? '', namespace: values.namespace },
    contextNamed: values.context,
    registry: values.registry === undefined ? undefined : parseRegistry(values.registry),
    baseImage: values['base-image'] ?? readToolEnv().NODE_IMAGE,
    env,
    nodePort: parseInteger('--node-port', values['node-port'], { min: 30000, max: 32767 }),
    timeoutSeconds: parseInteger('--timeout', values.timeout, { min: 10, max: 3600 }),
    dryRun: values['dry-run'],
    out: path.resolve(values.out ?? path.join(root, 'build', 'k8s-dry-run')),
  };
}

/** Which manifest files this environment uses. */
export function skippedFiles(env: DeployEnv): string[] {
  return [...(env.DATABASE_URL ? ['20-postgres.yaml'] : []), ...(env.INGRESS_HOST ? [] : ['80-ingress.yaml'])];
}

/**
 * `ownNamespace`: the namespace is new (deploy creates it) or deploy created it earlier. Only then is the Namespace
 * rendered, carrying the mark teardown --purge looks for; a namespace someone else made is deployed into as it is.
 */
export function render(
  o: DeployOptions,
  images: Record<Component, string>,
  secretData: Record<string, string | undefined>,
  appUrl: string,
  ownNamespace = true,
): RenderedFile[] {
  const values = manifestValues({
    namespace: o.target.namespace,
    images,
    env: o.env,
    nodePort: o.nodePort,
    appUrl,
    databaseUrlDigest: sha256(secretData.DATABASE_URL ?? ''),
  });
  const files = renderManifests(k8sDir, values, [...skippedFiles(o.env), ...(ownNamespace ? [] : ['00-namespace.yaml'])]);
  for (const ns of files.flatMap((f) => f.objects).filter((x) => x.kind === 'Namespace')) {
    ns.metadata.labels = { ...ns.metadata.labels, [namespaceMark.key]: namespaceMark.value };
  }
  stampChecksums(files, Object.fromEntries(Object.entries(secretData).filter(([, v]) => v !== undefined).map(([k, v]) => [k, sha256(v!)])));
  return files;
}

/**
 * Validates against the Kubernetes OpenAPI schemas offline. Only the dry run needs it: against a cluster, the
 * server-side `kubectl diff` validates every object with the API server's own schemas. Loaded on demand because
 * the schema package takes seconds to load.
 */
async function validateOffline(files: RenderedFile[]): Promise<void> {
  const { schemaProblems } = await import('./lib/validate.js');
  const problems = files.flatMap((f) => f.objects.flatMap(schemaProblems));
  if (problems.length) throw new ScriptError(`rendered manifests do not validate:\n  ${problems.join('\n  ')}`);
}

/** CPU and memory the rendered workloads request, counting the extra pod each Deployment starts while rolling. */
export function requiredResources(objects: K8sObject[]): Resources {
  const total = { cpuMillis: 0, memoryBytes: 0 };
  for (const o of objects) {
    const spec = o.spec as { replicas?: number; template?: { spec: Parameters<typeof podRequests>[0] } } | undefined;
    if (!spec?.template) continue;
    const pods = o.kind === 'Deployment' ? (spec.replicas ?? 1) + 1 : o.kind === 'StatefulSet' ? (spec.replicas ?? 1) : 1;
    const r = podRequests(spec.template.spec);
    total.cpuMillis += pods * r.cpuMillis;
    total.memoryBytes += pods * r.memoryBytes;
  }
  return total;
}

/** `Kind/name` of rendered objects whose live version differs, from `kubectl diff` (server-side, so defaults match). */
export function changedObjects(diffOutput: string, objects: K8sObject[]): Set<string> {
  const headers = diffOutput.split('\n').filter((l) => l.startsWith('diff '));
  const changed = new Set<string>();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    const suffixes = [`.${o.kind}.${ns}.${o.metadata.name}`, `.${o.kind}.${o.metadata.name}`];
    if (headers.some((h) => suffixes.some((s) => h.includes(`${s} `) || h.endsWith(s)))) changed.add(`${o.kind}/${o.metadata.name}`);
  }
  return changed;
}

async function deploy(o: DeployOptions): Promise<number> {
  const started = Date.now();
  const summary: [string, string, string][] = [];
  const timed = async <T>(what: string, fn: () => Promise<[T, string]>): Promise<T> => {
    const t0 = Date.now();
    const [value, result] = await fn();
    summary.push([what, result, formatSeconds(Date.now() - t0)]);
    return value;
  };

  // --- dry run: render and validate, nothing else ---------------------------------------------------------------
  if (o.dryRun) {
    log.step('Render (dry run: no cluster, no docker)');
    const images = Object.fromEntries(
      await Promise.all(components.map(async (c) => [c, await imageRef(root, c, { registry: o.registry, baseImage: o.baseImage })] as const)),
    ) as Record<Component, string>;
    const plan = planSecret(o.env, {}, () => 'dry-run-placeholder-value');
    const files = render(o, images, plan.data, `http://localhost:${o.nodePort}`);
    await validateOffline(files);
    const written = writeRendered(files, o.out);
    for (const f of files) log.ok(`${f.file}: ${f.objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
    log.ok(`${files.flatMap((f) => f.objects).length} objects validate against the Kubernetes schemas`);
    log.info(`written to ${o.out} (${written.length} files); Secret ${secretName} is created by a real deploy, never written to disk`);
    log.table(['image', 'reference'], Object.entries(images));
    return 0;
  }

  // --- preflight --------------------------------------------------------------------------------------------------
  log.step('Preflight');
  const tools = await Promise.all(['kubectl', 'docker'].map(async (tool) => [tool, (await $({ quiet: true })`which ${tool}`.nothrow()).exitCode === 0] as const));
  for (const [tool, found] of tools) {
    if (!found) {
      throw new ScriptError(`${tool} is not installed`, tool === 'docker' ? 'install Docker (https://docs.docker.com/get-docker/)' : 'install kubectl (https://kubernetes.io/docs/tasks/tools/)');
    }
  }
  const ctx = await resolveContext(o.contextNamed);
  const t: Target = { context: ctx.name, namespace: o.target.namespace };
  log.ok(`context ${ctx.name} (${ctx.server})${ctx.local ? '' : ' — remote, named explicitly'}`);

  let dockerEnv: Record<string, string> = {};
  if (ctx.minikubeProfile) {
    await ensureMinikubeRunning(ctx.minikubeProfile, log);
    if (!o.registry) dockerEnv = await minikubeDockerEnv(ctx.minikubeProfile);
  } else if (!o.registry && !/^(docker-desktop|docker-for-desktop|orbstack|rancher-desktop)$/.test(ctx.name)) {
    throw new ScriptError(
      `images built here are not visible to the nodes of ${ctx.name}`,
      'pass --registry HOST:PORT (a registry the nodes can pull from); with minikube, deploy.ts builds into its docker instead',
    );
  }
  // The shell's docker may point elsewhere (another minikube profile, a remote engine); say which one builds.
  const shell = readToolEnv();
  if (dockerEnv.DOCKER_HOST && shell.DOCKER_HOST && shell.DOCKER_HOST !== dockerEnv.DOCKER_HOST) {
    log.warn(`this shell's docker points at ${shell.DOCKER_HOST}; images are built in ${ctx.minikubeProfile}'s daemon (${dockerEnv.DOCKER_HOST}) instead`);
  }
  if (!ctx.minikubeProfile && shell.MINIKUBE_ACTIVE_DOCKERD) {
    log.warn(`this shell's docker is minikube's (${shell.MINIKUBE_ACTIVE_DOCKERD}): images are built there and pushed from there to ${o.registry}; run \`eval $(minikube docker-env -u)\` to use the local daemon`);
  }
  const [readyz, docker] = await Promise.all([
    $k`kubectl --context ${t.context} get --raw /readyz --request-timeout=10s`.nothrow(),
    $({ quiet: true, env: childEnv(dockerEnv) })`docker version --format ${'{{.Server.Version}}'}`.nothrow(),
  ]);
  if (readyz.exitCode !== 0) throw new ScriptError(`the cluster behind ${ctx.name} is not reachable: ${readyz.stderr.trim()}`, 'check `kubectl cluster-info`');
  log.ok('API server ready');
  if (docker.exitCode !== 0) throw new ScriptError(`the docker daemon is not reachable: ${docker.stderr.trim().split('\n').pop()}`, 'start Docker, or `minikube start` for minikube’s');
  const daemon = dockerEnv.DOCKER_HOST ? `minikube’s docker (${dockerEnv.DOCKER_HOST})` : `the local docker${o.registry ? `, pushing to ${o.registry}` : ''}`;
  log.ok(`building into ${daemon}, engine ${docker.stdout.trim()}`);

  // What the cluster holds now does not depend on the images: read it while they are checked or built.
  const clusterState = Promise.all([
    getJsonOrNull<{ metadata?: { labels?: Record<string, string> } }>(['--context', t.context, 'get', 'namespace', t.namespace]),
    getJsonOrNull<Parameters<typeof decodeSecret>[0]>([...kube(t), 'get', 'secret', secretName]),
    ctx.minikubeProfile ? minikubeIp(ctx.minikubeProfile) : firstNodeIp(t),
  ]);
  clusterState.catch(() => undefined); // awaited below; a failure must not surface as an unhandled rejection meanwhile

  // --- build --------------------------------------------------------------------------------------------------------
  log.step('Images');
  const built = await timed('images', async () => {
    const r = await buildImages({ root, registry: o.registry, baseImage: o.baseImage, dockerEnv: childEnv(dockerEnv), log });
    const names = r.filter((b) => b.built).map((b) => b.component);
    return [r, names.length ? `built ${names.join(', ')}` : 'unchanged'];
  });
  const images = Object.fromEntries(built.map((b) => [b.component, b.ref])) as Record<Component, string>;

  // --- secret values: given ones win, existing ones are kept, missing ones generated -------------------------------
  log.step(`Secret ${secretName}`);
  const [namespace, liveSecret, nodeIp] = await clusterState;
  const live = namespace ? decodeSecret(liveSecret) : {};
  const plan = planSecret(o.env, live);
  for (const v of [...Object.values(plan.data), ...Object.values(live)]) log.addSecret(v);
  for (const w of plan.warnings) log.warn(w);
  if (plan.generated.length) log.info(`generating ${plan.generated.join(', ')} (kept in the Secret for later deploys)`);
  if (plan.kept.length) log.info(`keeping ${plan.kept.join(', ')} from the cluster`);
  const secretChanged = JSON.stringify(sorted(plan.data)) !== JSON.stringify(sorted(live));

  // --- render -------------------------------------------------------------------------------------------------------
  log.step('Render');
  // A namespace that existed without our mark belongs to someone else: deploy into it, but never take it over.
  const ownNamespace = !namespace || createdByKit(namespace);
  if (!ownNamespace) {
    log.warn(
      `namespace ${t.namespace} was not created by deploy.ts (no ${namespaceMark.key}=${namespaceMark.value} label): deploying into it as it is; teardown --purge will keep it`,
    );
  }
  const appUrl = `http://${nodeIp ?? 'localhost'}:${o.nodePort}`;
  const files = render(o, images, plan.data, appUrl, ownNamespace);
  // One folder per target, so deploys to two namespaces at once never apply each other's files.
  const buildDir = path.join(root, 'build', 'k8s', `${t.context}.${t.namespace}`.replace(/[^A-Za-z0-9._-]/g, '_'));
  const paths = Object.fromEntries(writeRendered(files, buildDir).map((p) => [path.basename(p), p]));
  const objects = files.flatMap((f) => f.objects);
  log.ok(`${objects.length} objects rendered into ${path.relative(root, buildDir)}`);

  // --- what would change --------------------------------------------------------------------------------------------
  const job = objects.find((x) => x.kind === 'Job')!;
  const diffFiles = files.map((f) => f.file).filter((f) => f !== '30-migrate-job.yaml');
  // kubectl diff dry-runs its objects one after another; two halves side by side halve the wait on the no-op path.
  const halves = [diffFiles.filter((_, i) => i % 2 === 0), diffFiles.filter((_, i) => i % 2 === 1)].filter((h) => h.length);
  const [diffs, jobs, workloads] = await Promise.all([
    namespace
      ? Promise.all(
          halves.map((h) => $k`kubectl --context ${t.context} diff --server-side --field-manager=todo-deploy --force-conflicts ${h.flatMap((f) => ['-f', paths[f]!])}`.nothrow()),
        )
      : undefined,
    namespace ? getJson<{ items: LiveJob[] }>([...kube(t), 'get', 'jobs', '-l', 'app.kubernetes.io/name=migrate']) : { items: [] },
    liveWorkloads(t, Boolean(namespace)),
  ]);
  const liveJob = jobs.items.find((j) => j.metadata.name === job.metadata.name);
  const jobDone = Boolean(liveJob?.status?.succeeded);
  let changed: Set<string>;
  if (!diffs) {
    changed = new Set(objects.map((x) => `${x.kind}/${x.metadata.name}`));
    // Nothing to diff against yet, so the API server cannot check the objects before the first apply.
    await validateOffline(files);
  } else {
    const failed = diffs.find((d) => d.exitCode !== 0 && d.exitCode !== 1);
    if (failed) throw kubectlFailure('kubectl diff', failed.stderr);
    changed = changedObjects(diffs.map((d) => d.stdout).join('\n'), objects);
  }
  if (!jobDone) changed.add(`Job/${job.metadata.name}`);
  const unhealthy = stages.filter((s) => s.gate && s.gate.kind !== 'job' && files.some((f) => f.file === s.file) && !workloads.get(s.gate.name));

  if (!changed.size && !secretChanged && !unhealthy.length) {
    log.ok('nothing changed: no build, nothing applied, nothing rolled');
    summary.push(['apply', 'unchanged', '-']);
    return finish(t, ctx.minikubeProfile, appUrl, o, summary, started);
  }
  log.info(`changes: ${[...(secretChanged ? [`Secret/${secretName}`] : []), ...changed].join(', ') || 'none (re-checking unhealthy workloads)'}`);

  // Read-only checks that can stop the deploy while nothing has changed yet.
  const [missing, free, services] = await Promise.all([
    missingImages(referencedImages(objects), o.registry, dockerEnv),
    freeCapacity(t),
    getJson<{ items: { metadata: { name: string; namespace: string }; spec: { ports?: { nodePort?: number }[] } }[] }>([
      '--context', t.context, 'get', 'services', '--all-namespaces',
    ]),
  ]);
  if (missing.length) {
    const setting = missing.includes(o.env.POSTGRES_IMAGE) ? ' (POSTGRES_IMAGE)' : '';
    throw new ScriptError(
      `${missing.length === 1 ? 'an image the manifests name does' : 'images the manifests name do'} not exist where the cluster pulls from: ${missing.join(', ')}; nothing was changed`,
      `push it (docker push REF) or name an image that exists${setting}`,
    );
  }
  const need = requiredResources(objects);
  if (free.cpuMillis < need.cpuMillis || free.memoryBytes < need.memoryBytes) {
    throw new ScriptError(
      `the cluster has ${formatResources(free)} free on ${free.nodes} node(s); the app needs ${formatResources(need)} while rolling`,
      'give the cluster more (`minikube stop && minikube start --cpus 4 --memory 6g`) or lower the *_REPLICAS settings',
    );
  }
  log.ok(`capacity: needs ${formatResources(need)}, ${formatResources(free)} free`);
  const holder = services.items.find((s) => s.metadata.namespace !== t.namespace && s.spec.ports?.some((p) => p.nodePort === o.nodePort));
  if (holder) {
    throw new ScriptError(`NodePort ${o.nodePort} is taken by service/${holder.metadata.name} in ${holder.metadata.namespace}`, 'choose another with --node-port (30000-32767)');
  }

  // --- point of no return: from here on the cluster changes ---------------------------------------------------------
  log.step('Apply');
  const apply = async (file: string) => {
    const out = await $k`kubectl --context ${t.context} apply --server-side --field-manager=todo-deploy --force-conflicts -f ${paths[file]!}`.nothrow();
    if (out.exitCode !== 0) throw kubectlFailure(`kubectl apply -f ${file}`, out.stderr);
    return out;
  };
  const stageObjects = (file: string) => files.find((f) => f.file === file)?.objects ?? [];

  try {
    for (const stage of stages) {
      if (paths[stage.file]) {
        const isChanged = stageObjects(stage.file).some((x) => changed.has(`${x.kind}/${x.metadata.name}`));
        const g = stage.gate?.kind === 'job' ? { ...stage.gate, name: job.metadata.name } : stage.gate;
        const needsGate = g && (isChanged || unhealthy.some((u) => u.file === stage.file));
        await timed(stage.file.replace(/^\d\d-|\.yaml$/g, ''), async () => {
          if (isChanged && stage.file === '00-namespace.yaml' && !namespace) {
            // Create, not apply: if someone made the namespace meanwhile, this fails instead of marking theirs as ours.
            const out = await $k`kubectl --context ${t.context} create -f ${paths[stage.file]!}`.nothrow();
            if (out.exitCode !== 0) throw kubectlFailure(`kubectl create -f ${stage.file}`, out.stderr);
            log.ok(`${stage.file}: ${out.stdout.trim()} (labelled ${namespaceMark.key}=${namespaceMark.value})`);
          } else if (isChanged) {
            if (stage.file === '30-migrate-job.yaml' && liveJob) {
              // A failed Job of the same name cannot be re-run in place: Jobs are immutable.
              await $k`kubectl ${kube(t)} delete job ${job.metadata.name} --wait=true`;
            }
            const out = await apply(stage.file);
            log.ok(`${stage.file}: ${summarizeApply(out.stdout)}`);
          }
          if (needsGate) await gate({ target: t, kind: g.kind, name: g.name, appLabel: g.app, timeoutSeconds: o.timeoutSeconds, log });
          return [undefined, isChanged ? (needsGate ? 'applied, ready' : 'applied') : needsGate ? 'unchanged, ready' : 'unchanged'];
        });
      }
      // The Secret goes right after the namespace (ours or not), before anything reads it.
      if (stage.file === '00-namespace.yaml' && secretChanged) {
        await timed(`secret ${secretName}`, async () => {
          // The values go in on stdin. `cat |` hands kubectl a real pipe: Node's stdin for a child is a socket, which
          // kubectl cannot open as /dev/stdin.
          await $k({ input: toEnvFile(plan.data) })`cat | kubectl ${kube(t)} create secret generic ${secretName} --from-env-file=/dev/stdin --dry-run=client -o yaml | kubectl ${kube(t)} apply --server-side --field-manager=todo-deploy --force-conflicts -f -`;
          log.ok(`Secret ${secretName} applied (${Object.keys(plan.data).join(', ')})`);
          return [undefined, 'applied'];
        });
      }
    }
  } catch (err) {
    // A failed gate or apply: say why (pods, events, logs, the known cause and its fix) before exiting.
    await explainFailure(t, err, { log, nodePort: o.nodePort });
    throw err;
  }
  if (changed.has(`Job/${job.metadata.name}`)) {
    // Earlier images' migrate Jobs have done their work.
    await $k`kubectl ${kube(t)} delete job -l app.kubernetes.io/name=migrate --field-selector ${`metadata.name!=${job.metadata.name}`} --ignore-not-found`;
  }
  return finish(t, ctx.minikubeProfile, appUrl, o, summary, started);
}

function finish(t: Target, profile: string | undefined, appUrl: string, o: DeployOptions, summary: [string, string, string][], started: number): number {
  log.table(['stage', 'result', 'time'], [...summary, ['total', 'done', formatSeconds(Date.now() - started)]]);
  log.step('Open the app');
  log.ok(appUrl);
  if (profile) log.info(`or: minikube -p ${profile} service frontend -n ${t.namespace}   (needed with the docker driver on macOS/Windows)`);
  log.info(`or: kubectl --context ${t.context} -n ${t.namespace} port-forward svc/frontend 3000:3000   then http://localhost:3000`);
  if (o.env.INGRESS_HOST) log.info(`ingress: http://${o.env.INGRESS_HOST}/`);
  log.info(`check it: npx tsx scripts/verify.ts --context ${t.context} --namespace ${t.namespace}`);
  return 0;
}

function kubectlFailure(what: string, stderr: string): ScriptError {
  const cause = classifyText(stderr);
  return new ScriptError(`${what} failed: ${stderr.trim()}`, cause ? `${causes[cause].title}: ${causes[cause].hint}` : undefined);
}

function sorted(o: Record<string, string | undefined>): [string, string | undefined][] {
  return Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
}

function summarizeApply(stdout: string): string {
  return stdout.trim().split('\n').map((l) => l.replace(/ serverside-applied$/, '')).join(', ');
}

interface LiveJob {
  metadata: { name: string };
  status?: { succeeded?: number; failed?: number; conditions?: { type: string; status: string }[] };
}

/**
 * The images among `refs` that certainly do not exist where the cluster pulls them from. Refs on the --registry
 * host are asked of its HTTP API; without a registry, of the docker daemon the nodes run on; anything else (a public
 * registry, or an image the daemon lacks and the node would pull) cannot be checked from here, and says so.
 */
async function missingImages(refs: string[], registry: string | undefined, dockerEnv: Record<string, string>): Promise<string[]> {
  const missing: string[] = [];
  await Promise.all(
    planImageChecks(refs, { registry, daemon: !registry }).map(async (c) => {
      if (c.how === 'skip') {
        log.info(`image ${c.ref} not checked: ${c.why}`);
      } else if (c.how === 'registry') {
        const { state, status } = await registryManifest(c.ref);
        if (state === 'missing') missing.push(c.ref);
        else if (state === 'unknown') log.info(`image ${c.ref} not checked: registry ${registry} answered ${status}`);
      } else if (!(await daemonHasImage(c.ref, childEnv(dockerEnv)))) {
        log.info(`image ${c.ref} not checked: not in the nodes' docker, so they pull it from ${parseImageRef(c.ref).host}`);
      }
    }),
  );
  if (!missing.length) log.ok(`images: ${refs.length} referenced, none missing`);
  return missing.sort();
}

/** Which workloads are fully available now (name -> true). */
async function liveWorkloads(t: Target, namespaceExists: boolean): Promise<Map<string, boolean>> {
  const result = new Map<string, boolean>();
  if (!namespaceExists) return result;
  const list = await getJson<{ items: { kind: string; metadata: { name: string; generation?: number }; spec: { replicas?: number }; status?: { observedGeneration?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number } }[] }>([
    ...kube(t), 'get', 'deployments,statefulsets',
  ]);
  for (const w of list.items) {
    const want = w.spec.replicas ?? 1;
    const s = w.status ?? {};
    result.set(w.metadata.name, s.observedGeneration === w.metadata.generation && (s.readyReplicas ?? 0) >= want && (s.updatedReplicas ?? 0) >= want);
  }
  return result;
}

async function firstNodeIp(t: Target): Promise<string | undefined> {
  const nodes = await getJson<{ items: { status: { addresses?: { type: string; address: string }[] } }[] }>(['--context', t.context, 'get', 'nodes']);
  const addresses = nodes.items[0]?.status.addresses ?? [];
  return (addresses.find((a) => a.type === 'ExternalIP') ?? addresses.find((a) => a.type === 'InternalIP'))?.address;
}

export async function main(argv: string[]): Promise<number> {
  return deploy(parseDeployArgs(argv));
}

if (isEntry(import.meta.url)) runMain(spec, main);
