import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { paths, stateDir } from './layout.js';

export interface Daemon {
  name: string;
  pid: number;
  executable: string;
  /** Checked again before a signal is sent, so that a recycled pid is never hit. */
  startTime: string;
  log: string;
}

/** Everything `up` changed on the host, recorded as it happens, so that `down` undoes exactly that, even after a failed `up`. */
export interface ClusterState {
  startedAt: string;
  daemons: Daemon[];
  /** The extra `lo` address, when `up` added it. */
  loAddress?: string;
  /** iptables/ip6tables chains that existed before `up`, per command and table: chains named KUBE-* or CNI-* that appear later are ours. */
  chainsBefore?: Record<string, Record<string, string[]>>;
  /** Network namespaces under /run/netns before `up`. */
  netnsBefore?: string[];
  /** Whether the bridge and the pod cgroups were absent before `up`, so that removing them later is ours to do. */
  bridgeCreated?: boolean;
  kubepodsCgroupCreated?: boolean;
  routeLocalnetBefore?: string;
  kubeconfigMerged?: string;
}

export async function readState(): Promise<ClusterState | undefined> {
  if (!existsSync(paths.stateFile)) return undefined;
  return JSON.parse(await readFile(paths.stateFile, 'utf8')) as ClusterState;
}

export async function saveState(state: ClusterState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(paths.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}
