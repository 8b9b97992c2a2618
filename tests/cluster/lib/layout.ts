import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * What the test cluster is built from. Kubernetes 1.32: its kubelet still runs on cgroup v1 and kubectl 1.32 is in skew.
 * v1.32.2 is the newest 1.32 patch whose every staging module the Go module proxy serves in full.
 */
export const versions = {
  kubernetes: 'v1.32.2',
  /** The staging modules (k8s.io/api, client-go, ...) that match the Kubernetes release above. */
  staging: 'v0.32.2',
  coredns: 'v1.14.7',
  registry: 'v3.0.0',
  pause: '3.10',
} as const;

/** Names a user of the cluster needs: the kubeconfig context, the registry to push to, the node. */
export const names = {
  context: 'todo-test',
  node: 'todo-test-node',
  registry: 'localhost:5000',
} as const;

/** Addresses chosen away from Docker's 172.17/16 and Minikube's 10.96/12 defaults. */
export const net = {
  /** The API server's advertise address and the node IP: an extra address on `lo`, since there is no dummy module. */
  nodeIp: '10.200.0.1',
  apiPort: 6443,
  serviceCidr: '10.201.0.0/16',
  kubernetesServiceIp: '10.201.0.1',
  dnsServiceIp: '10.201.0.10',
  podCidr: '10.202.0.0/16',
  nodePodCidr: '10.202.0.0/24',
  bridge: 'cni0',
  etcdClientPort: 23790,
  etcdPeerPort: 23800,
  registryAddress: '127.0.0.1:5000',
} as const;

/** Built binaries survive `down` and are shared between runs; everything else lives in the state directory. */
export const cacheDir = join(process.env.TODO_TEST_CLUSTER_CACHE ?? join(homedir(), '.cache', 'todo-test-cluster'), versions.kubernetes);
export const binDir = join(cacheDir, 'bin');
export const stateDir = '/var/lib/todo-test-cluster';
/** Unix sockets have a short path limit, so the runtime's sockets live under /run. */
export const runDir = '/run/todo-test-cluster';

export const paths = {
  stateFile: join(stateDir, 'state.json'),
  pki: join(stateDir, 'pki'),
  etcdData: join(stateDir, 'etcd'),
  logs: join(stateDir, 'logs'),
  config: join(stateDir, 'config'),
  kubeconfig: join(stateDir, 'kubeconfig'),
  containerdRoot: join(stateDir, 'containerd'),
  containerdState: join(runDir, 'containerd'),
  containerdSocket: join(runDir, 'containerd', 'containerd.sock'),
  kubeletRoot: join(stateDir, 'kubelet'),
  cniConfDir: join(stateDir, 'cni', 'net.d'),
  cniDataDir: join(stateDir, 'cni', 'networks'),
  cniBinDir: '/usr/lib/cni',
  podLogs: join(stateDir, 'pod-logs'),
  volumes: join(stateDir, 'volumes'),
  /** Pushed images outlive `down`, so a later `up` does not force the deploy kit to push everything again. */
  registryData: join(cacheDir, '..', 'registry'),
  images: join(cacheDir, 'images'),
} as const;

export const bin = (name: string) => join(binDir, name);
