/**
 * A single-node Kubernetes for the cluster test tier, run as host processes: etcd, the upstream control plane,
 * a private containerd, kubelet, kube-proxy, CoreDNS and a local image registry.
 *
 *   npx tsx tests/cluster/cluster.ts up       install, build (cached), start, wait for the node and DNS
 *   npx tsx tests/cluster/cluster.ts down     stop what `up` started and restore the host
 *   npx tsx tests/cluster/cluster.ts status   what runs, and whether the API and the node are ready
 *   npx tsx tests/cluster/cluster.ts env      `export KUBECONFIG=...` for a shell
 *
 * Needs root on Debian 12. The context `todo-test` is written into ~/.kube/config; images pushed to
 * localhost:5000 are what the kubelet pulls.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { $ } from 'zx';
import { createLogger, formatTable, type Logger } from '../../scripts/lib/log.js';
import { buildAll } from './lib/build.js';
import { files, writeConfigFiles } from './lib/config-files.js';
import { coreDnsManifests } from './lib/coredns.js';
import { ensureDockerd } from './lib/docker.js';
import {
  hasAddress, kubepodsCgroupExists, linkExists, listNetns, mountsUnder, pidsInKubepods, readSysctl,
  removeKubepodsCgroups, removeNewChains, snapshotChains, unmountAll, writeSysctl,
} from './lib/host.js';
import { coreDnsImage, pauseImage } from './lib/image-archive.js';
import { apiReady, kubectl, mergeIntoUserKubeconfig, nodeReady, removeFromUserKubeconfig, userKubeconfig, waitFor } from './lib/kube.js';
import { bin, binDir, names, net, paths, runDir, stateDir, versions } from './lib/layout.js';
import { ensurePackages, requireGo } from './lib/packages.js';
import { generatePki, kubeconfigFor, pki, writeKubeconfig } from './lib/pki.js';
import { isRunning, logTail, pidsWithArgument, startDaemon, stopDaemon } from './lib/processes.js';
import { readState, saveState, type ClusterState } from './lib/state.js';
import { storageClass, storageManifests } from './lib/storage.js';

const usage = 'usage: npx tsx tests/cluster/cluster.ts <up|down|status|env>';
const q = $({ quiet: true });
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export async function up(log: Logger): Promise<void> {
  const previous = await readState();
  // The engine is shared with other tools and may have been stopped since: check it even when the cluster runs.
  if (previous) await ensureDockerd(log);
  if (previous) {
    if (previous.daemons.every(isRunning) && (await apiReady()) && (await nodeReady())) {
      log.ok(`cluster already up (context ${names.context}, registry ${names.registry})`);
      return;
    }
    log.warn('a previous cluster is partly running: taking it down first');
    await down(log);
  }

  log.step('Prerequisites');
  await ensurePackages(log);
  await requireGo();

  log.step(`Binaries (Kubernetes ${versions.kubernetes}, CoreDNS ${versions.coredns}, registry ${versions.registry})`);
  const builds = await buildAll(log);
  const built = builds.filter((b) => !b.cached);
  if (built.length > 0) log.detail(formatTable(['binary', 'build time'], built.map((b) => [b.name, `${b.seconds}s`])));
  else log.ok(`all binaries cached in ${binDir}`);

  log.step('Docker engine (builds and pushes the app images)');
  await ensureDockerd(log);

  const started = Date.now();
  const timings: [string, string][] = [];
  log.step('Host');
  const state: ClusterState = {
    startedAt: new Date().toISOString(),
    daemons: [],
    chainsBefore: await snapshotChains(),
    netnsBefore: listNetns(),
    bridgeCreated: !(await linkExists(net.bridge)),
    kubepodsCgroupCreated: !kubepodsCgroupExists(),
    routeLocalnetBefore: await readSysctl('net.ipv4.conf.all.route_localnet'),
  };
  await saveState(state);
  if (!(await hasAddress('lo', `${net.nodeIp}/32`))) {
    await q`ip ${['addr', 'add', `${net.nodeIp}/32`, 'dev', 'lo']}`;
    state.loAddress = `${net.nodeIp}/32`;
    await saveState(state);
  }
  log.ok(`node address ${net.nodeIp} on lo`);

  log.step('Certificates and configuration');
  await generatePki();
  for (const identity of ['admin', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'] as const) {
    await writeKubeconfig(identity);
  }
  await writeConfigFiles();
  await mkdir(paths.podLogs, { recursive: true });
  log.ok(`PKI and kubeconfigs in ${stateDir}`);

  log.step('Control plane');
  const etcd = await startDaemon(state, 'etcd', '/usr/bin/etcd', [
    '--name', 'todo-test',
    '--data-dir', paths.etcdData,
    '--listen-client-urls', `http://127.0.0.1:${net.etcdClientPort}`,
    '--advertise-client-urls', `http://127.0.0.1:${net.etcdClientPort}`,
    '--listen-peer-urls', `http://127.0.0.1:${net.etcdPeerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${net.etcdPeerPort}`,
    '--initial-cluster', `todo-test=http://127.0.0.1:${net.etcdPeerPort}`,
  ]);
  await waitFor(log, 'etcd healthy', 20_000, async () => {
    if (!isRunning(etcd)) throw new Error(`etcd exited:\n${logTail(etcd).join('\n')}`);
    const res = await fetch(`http://127.0.0.1:${net.etcdClientPort}/health`).catch(() => undefined);
    return res?.ok ? true : 'starting';
  });

  const apiserver = await startDaemon(state, 'kube-apiserver', bin('kube-apiserver'), [
    `--advertise-address=${net.nodeIp}`,
    `--bind-address=${net.nodeIp}`,
    `--secure-port=${net.apiPort}`,
    `--etcd-servers=http://127.0.0.1:${net.etcdClientPort}`,
    `--client-ca-file=${pki.ca}`,
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    // The node name resolves nowhere; exec, logs and port-forward reach the kubelet by its address.
    '--kubelet-preferred-address-types=InternalIP',
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-cluster-ip-range=${net.serviceCidr}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=true',
    '--profiling=false',
  ]);

  // The node side starts while the API server boots; neither needs the other to start.
  log.step('Node runtime and registry');
  const registry = await startDaemon(state, 'registry', bin('registry'), ['serve', files.registry], {
    ...process.env,
    OTEL_TRACES_EXPORTER: 'none',
  });
  const containerd = await startDaemon(state, 'containerd', '/usr/bin/containerd', ['--config', files.containerd]);
  await waitFor(log, 'containerd socket', 20_000, async () => {
    if (!isRunning(containerd)) throw new Error(`containerd exited:\n${logTail(containerd).join('\n')}`);
    return existsSync(paths.containerdSocket) ? true : 'starting';
  });
  const ctr = ['--address', paths.containerdSocket, '--namespace', 'k8s.io'];
  for (const image of [pauseImage, coreDnsImage]) {
    await q`ctr ${[...ctr, 'images', 'import', image.archive]}`;
  }
  log.ok(`imported ${pauseImage.ref} and ${coreDnsImage.ref}`);
  await waitFor(log, `registry on ${net.registryAddress}`, 10_000, async () => {
    if (!isRunning(registry)) throw new Error(`registry exited:\n${logTail(registry).join('\n')}`);
    const res = await fetch(`http://${net.registryAddress}/v2/`).catch(() => undefined);
    return res?.ok ? true : 'starting';
  });

  await waitFor(log, 'API server ready', 60_000, async () => {
    if (!isRunning(apiserver)) throw new Error(`kube-apiserver exited:\n${logTail(apiserver).join('\n')}`);
    return (await apiReady()) ? true : 'starting';
  });
  timings.push(['API server ready', seconds(Date.now() - started)]);

  await startDaemon(state, 'kube-controller-manager', bin('kube-controller-manager'), [
    `--kubeconfig=${kubeconfigFor('kube-controller-manager')}`,
    `--authentication-kubeconfig=${kubeconfigFor('kube-controller-manager')}`,
    `--authorization-kubeconfig=${kubeconfigFor('kube-controller-manager')}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
    `--cluster-signing-cert-file=${pki.ca}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    `--root-ca-file=${pki.ca}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    '--use-service-account-credentials=true',
    `--service-cluster-ip-range=${net.serviceCidr}`,
    `--cluster-cidr=${net.podCidr}`,
  ]);
  await startDaemon(state, 'kube-scheduler', bin('kube-scheduler'), [
    `--kubeconfig=${kubeconfigFor('kube-scheduler')}`,
    `--authentication-kubeconfig=${kubeconfigFor('kube-scheduler')}`,
    `--authorization-kubeconfig=${kubeconfigFor('kube-scheduler')}`,
    '--bind-address=127.0.0.1',
    '--leader-elect=false',
  ]);

  log.step('Node agents');
  const kubelet = await startDaemon(state, 'kubelet', bin('kubelet'), [
    `--config=${files.kubelet}`,
    `--kubeconfig=${kubeconfigFor('kubelet')}`,
    `--root-dir=${paths.kubeletRoot}`,
    `--hostname-override=${names.node}`,
    `--node-ip=${net.nodeIp}`,
  ]);
  await startDaemon(state, 'kube-proxy', bin('kube-proxy'), [`--config=${files.kubeProxy}`]);

  await waitFor(log, `node ${names.node} Ready`, 60_000, async () => {
    if (!isRunning(kubelet)) throw new Error(`kubelet exited:\n${logTail(kubelet).join('\n')}`);
    return (await nodeReady()) ? true : 'registering';
  });
  timings.push(['node Ready', seconds(Date.now() - started)]);

  log.step('Cluster DNS');
  await kubectl(['apply', '-f', '-'], coreDnsManifests());
  await waitFor(log, 'CoreDNS available', 60_000, async () => {
    const r = await kubectl(['-n', 'kube-system', 'get', 'deployment', 'coredns', '-o', 'jsonpath={.status.availableReplicas}']).nothrow();
    return r.stdout.trim() === '1' ? true : 'starting';
  });
  timings.push(['CoreDNS available', seconds(Date.now() - started)]);

  log.step('Storage');
  await kubectl(['apply', '-f', '-'], await storageManifests());
  log.ok(`default StorageClass ${storageClass}: local volumes under ${paths.volumes}`);

  state.kubeconfigMerged = await mergeIntoUserKubeconfig();
  await saveState(state);

  log.step('Cluster up');
  log.table(['milestone', 'since start'], timings);
  log.info(`context ${names.context} in ${userKubeconfig} (also ${paths.kubeconfig})`);
  log.info(`registry ${names.registry}: docker push ${names.registry}/<image>:<tag>`);
  log.info(`logs in ${paths.logs}`);
}

export async function down(log: Logger): Promise<void> {
  const state = await readState();
  if (!state) {
    log.ok('no test cluster recorded: nothing to stop');
    return;
  }
  const daemon = (name: string) => state.daemons.filter((d) => d.name === name);

  log.step('Stopping the node');
  // The kubelet goes first so that it cannot restart the containers stopped next.
  for (const d of [...daemon('kubelet'), ...daemon('kube-proxy')]) log.ok(`${d.name}: ${await stopDaemon(d)}`);
  for (const d of daemon('containerd')) {
    if (isRunning(d)) {
      const ctr = ['--address', paths.containerdSocket, '--namespace', 'k8s.io'];
      const tasks = (await q`ctr ${[...ctr, 'tasks', 'list', '--quiet']}`.nothrow()).stdout.split('\n').filter(Boolean);
      for (const id of tasks) await q`ctr ${[...ctr, 'tasks', 'kill', '--signal', 'SIGKILL', id]}`.nothrow();
      for (const id of tasks) await q`ctr ${[...ctr, 'tasks', 'delete', '--force', id]}`.nothrow();
      log.ok(`killed ${tasks.length} containers`);
    }
    log.ok(`containerd: ${await stopDaemon(d)}`);
  }
  // Shims and container processes that outlived their containerd: found by our socket and by the pod cgroups.
  for (const pid of [...pidsWithArgument(paths.containerdSocket), ...(state.kubepodsCgroupCreated ? pidsInKubepods() : [])]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  log.step('Stopping the control plane and registry');
  for (const name of ['registry', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd']) {
    for (const d of daemon(name)) log.ok(`${d.name}: ${await stopDaemon(d)}`);
  }

  log.step('Restoring the host');
  await unmountAll(mountsUnder([stateDir, runDir]));
  const netnsBefore = new Set(state.netnsBefore ?? []);
  const netns = listNetns().filter((n) => n.startsWith('cni-') && !netnsBefore.has(n));
  await unmountAll(netns.map((n) => `/run/netns/${n}`));
  for (const n of netns) await rm(`/run/netns/${n}`, { force: true });
  if (netns.length > 0) log.ok(`removed ${netns.length} pod network namespaces`);
  if (state.bridgeCreated && (await linkExists(net.bridge))) {
    await q`ip ${['link', 'delete', net.bridge]}`;
    log.ok(`removed bridge ${net.bridge}`);
  }
  if (state.loAddress) {
    await q`ip ${['addr', 'del', state.loAddress, 'dev', 'lo']}`.nothrow();
    log.ok(`removed ${state.loAddress} from lo`);
  }
  if (state.chainsBefore) {
    const removed = await removeNewChains(state.chainsBefore);
    log.ok(`removed ${removed.length} KUBE-/CNI- iptables chains`);
  }
  if (state.routeLocalnetBefore !== undefined) await writeSysctl('net.ipv4.conf.all.route_localnet', state.routeLocalnetBefore);
  if (state.kubepodsCgroupCreated) removeKubepodsCgroups();
  if (state.kubeconfigMerged) {
    await removeFromUserKubeconfig();
    log.ok(`removed context ${names.context} from ${state.kubeconfigMerged}`);
  }
  await rm(stateDir, { recursive: true, force: true });
  await rm(runDir, { recursive: true, force: true });
  log.ok(`removed ${stateDir} (built binaries and pushed images stay cached)`);
}

export async function status(log: Logger): Promise<boolean> {
  const state = await readState();
  if (!state) {
    log.info('test cluster: down');
    return false;
  }
  const rows = state.daemons.map((d) => [d.name, String(d.pid), isRunning(d) ? 'running' : 'stopped']);
  log.table(['process', 'pid', 'state'], rows);
  const api = await apiReady();
  const node = api && (await nodeReady());
  log.info(`API server: ${api ? 'ready' : 'not ready'}; node ${names.node}: ${node ? 'Ready' : 'not Ready'}`);
  return api && node && state.daemons.every(isRunning);
}

async function main(): Promise<void> {
  const verb = process.argv[2];
  const log = createLogger();
  if (verb === 'env') {
    process.stdout.write(`export KUBECONFIG=${paths.kubeconfig}\n# context: ${names.context}; registry: ${names.registry}\n`);
    return;
  }
  if (verb === 'status') {
    process.exitCode = (await status(log)) ? 0 : 1;
    return;
  }
  if (verb !== 'up' && verb !== 'down') {
    process.stderr.write(`${usage}\n`);
    process.exitCode = 2;
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('the test cluster runs host daemons and changes the network: run it as root');
  const started = Date.now();
  await (verb === 'up' ? up(log) : down(log));
  log.info(`${verb} took ${seconds(Date.now() - started)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`\n${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
