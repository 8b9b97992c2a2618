import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { names, net, paths, runDir } from './layout.js';
import { pauseImage } from './image-archive.js';
import { pki } from './pki.js';

export const files = {
  containerd: join(paths.config, 'containerd.toml'),
  kubelet: join(paths.config, 'kubelet.yaml'),
  kubeProxy: join(paths.config, 'kube-proxy.yaml'),
  registry: join(paths.config, 'registry.yaml'),
  cni: join(paths.cniConfDir, '10-todo-test.conflist'),
};

/**
 * The kubelet's own containerd, apart from any Docker engine's. `restrict_oom_score_adj`: these machines lack
 * CAP_SYS_RESOURCE, so runc fails every sandbox when asked for the kubelet's negative OOM scores.
 * The local registry speaks plain HTTP, which containerd only accepts for an explicitly configured mirror.
 */
const containerdToml = `version = 2
root = "${paths.containerdRoot}"
state = "${paths.containerdState}"
oom_score = 0

[grpc]
  address = "${paths.containerdSocket}"

[ttrpc]
  address = "${paths.containerdSocket}.ttrpc"

[debug]
  address = ""

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${pauseImage.ref}"
  restrict_oom_score_adj = true
  enable_selinux = false
  # Pod network namespaces under our own state directory rather than the host's /run/netns.
  netns_mounts_under_state_dir = true

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${paths.cniBinDir}"
    conf_dir = "${paths.cniConfDir}"

  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."${names.registry}"]
    endpoint = ["http://${net.registryAddress}"]

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(runDir, 'opt')}"
`;

/**
 * bridge + host-local: one flat pod network on the node. portmap for hostPort. firewall because Docker sets the
 * FORWARD policy to DROP, which would otherwise drop pod-to-ClusterIP traffic. It enforces no NetworkPolicy.
 */
const cniConflist = {
  cniVersion: '1.0.0',
  name: 'todo-test',
  plugins: [
    {
      type: 'bridge',
      bridge: net.bridge,
      isGateway: true,
      ipMasq: true,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: net.nodePodCidr }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: paths.cniDataDir,
      },
    },
    { type: 'portmap', capabilities: { portMappings: true } },
    { type: 'firewall' },
  ],
};

/** cgroup v1 with the cgroupfs driver; evictions and image GC loosened so a busy shared disk does not evict test pods. */
const kubeletConfig = {
  apiVersion: 'kubelet.config.k8s.io/v1beta1',
  kind: 'KubeletConfiguration',
  authentication: {
    anonymous: { enabled: false },
    webhook: { enabled: true },
    x509: { clientCAFile: pki.ca },
  },
  authorization: { mode: 'Webhook' },
  cgroupDriver: 'cgroupfs',
  failCgroupV1: false,
  containerRuntimeEndpoint: `unix://${paths.containerdSocket}`,
  failSwapOn: false,
  imageGCHighThresholdPercent: 100,
  imageGCLowThresholdPercent: 99,
  evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
  clusterDNS: [net.dnsServiceIp],
  clusterDomain: 'cluster.local',
  podCIDR: net.nodePodCidr,
  readOnlyPort: 0,
  healthzBindAddress: '127.0.0.1',
  serializeImagePulls: false,
  podLogsDir: paths.podLogs,
  volumePluginDir: join(paths.kubeletRoot, 'volume-plugins'),
  resolvConf: '/etc/resolv.conf',
};

const kubeProxyConfig = {
  apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
  kind: 'KubeProxyConfiguration',
  clientConnection: { kubeconfig: join(paths.config, 'kube-proxy.kubeconfig') },
  mode: 'iptables',
  clusterCIDR: net.podCidr,
  hostnameOverride: names.node,
  bindAddress: net.nodeIp,
  healthzBindAddress: '127.0.0.1:10256',
  metricsBindAddress: '127.0.0.1:10249',
  // Leave the host's conntrack table size alone: the sysctl is shared with everything else on the machine.
  conntrack: { maxPerCore: 0 },
  // Only the node's own address serves NodePorts, so the tests reach them where a user would.
  nodePortAddresses: [`${net.nodeIp}/32`],
};

const registryConfig = {
  version: 0.1,
  log: { level: 'warn', accesslog: { disabled: true } },
  storage: { filesystem: { rootdirectory: paths.registryData }, delete: { enabled: true } },
  http: { addr: net.registryAddress },
};

export async function writeConfigFiles(): Promise<void> {
  await mkdir(paths.config, { recursive: true });
  await mkdir(paths.cniConfDir, { recursive: true });
  await writeFile(files.containerd, containerdToml);
  await writeFile(files.cni, `${JSON.stringify(cniConflist, null, 2)}\n`);
  await writeFile(files.kubelet, stringify(kubeletConfig));
  await writeFile(files.kubeProxy, stringify(kubeProxyConfig));
  await writeFile(files.registry, stringify(registryConfig));
}
