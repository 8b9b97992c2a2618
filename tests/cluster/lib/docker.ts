import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { $ } from 'zx';
import type { Logger } from '../../../scripts/lib/log.js';

export const dockerdLog = '/var/log/todo-test-dockerd.log';

export async function dockerRunning(): Promise<boolean> {
  return (await $({ quiet: true })`docker ${['info', '--format', '{{.ServerVersion}}']}`.nothrow()).exitCode === 0;
}

/**
 * The deploy kit builds images with the host's Docker engine and pushes them to the cluster's registry. The engine
 * is shared with everything else on the machine, so it is started when absent but never stopped by `down`.
 * With no containerd at its default socket, dockerd runs a containerd of its own: never the kubelet's.
 */
export async function ensureDockerd(log: Logger): Promise<void> {
  if (await dockerRunning()) {
    log.ok('Docker engine running');
    return;
  }
  const progress = log.progress('starting dockerd');
  const fd = openSync(dockerdLog, 'a');
  const child = spawn('dockerd', [], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (await dockerRunning()) {
      progress.done(`dockerd started (pid ${child.pid}, log ${dockerdLog})`);
      return;
    }
    await sleep(500);
  }
  progress.fail('dockerd did not answer');
  throw new Error(`dockerd did not start within 60 s; see ${dockerdLog}`);
}
