import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { paths } from './layout.js';
import type { ClusterState, Daemon } from './state.js';
import { saveState } from './state.js';

/**
 * Starts a host daemon detached from this process (it must outlive `up`), logging to its own file, and records its
 * pid in the state file before anything else can fail.
 */
export async function startDaemon(
  state: ClusterState,
  name: string,
  executable: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Daemon> {
  await mkdir(paths.logs, { recursive: true });
  const log = join(paths.logs, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(executable, args, { detached: true, stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} did not start (${executable})`);
  child.unref();
  const daemon: Daemon = { name, pid, executable, log, startTime: startTime(pid) };
  state.daemons.push(daemon);
  await saveState(state);
  return daemon;
}

/** The process's start time in clock ticks since boot: with the pid, it names one process for good. */
function startTime(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

export function isRunning(daemon: Daemon): boolean {
  try {
    const stat = readFileSync(`/proc/${daemon.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[19] === daemon.startTime;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after a grace period; only if the pid is still the process that was started. */
export async function stopDaemon(daemon: Daemon, graceMs = 10_000): Promise<'stopped' | 'not running'> {
  if (!isRunning(daemon)) return 'not running';
  process.kill(daemon.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isRunning(daemon)) return 'stopped';
    await sleep(100);
  }
  if (isRunning(daemon)) process.kill(daemon.pid, 'SIGKILL');
  while (isRunning(daemon)) await sleep(50);
  return 'stopped';
}

/** Processes whose command line contains `needle` as one whole argument, e.g. the runtime shims of our own containerd socket. */
export function pidsWithArgument(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** The last lines of a daemon's log, to explain a failed start. */
export function logTail(daemon: Daemon, lines = 15): string[] {
  try {
    return readFileSync(daemon.log, 'utf8').trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}
