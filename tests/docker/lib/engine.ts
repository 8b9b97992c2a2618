// Makes sure a Docker engine answers before the docker tier runs. Under CI=true, or as root, it starts `dockerd` when
// none is running (the CI machine has Debian's docker.io installed but nothing started); otherwise it only reports
// what is missing, so the tier can skip locally with that reason.
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function dockerVersion(env: NodeJS.ProcessEnv): { ok: boolean; stderr: string } {
  const result = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { env, encoding: 'utf8', timeout: 20_000 });
  if (result.error) return { ok: false, stderr: String(result.error.message) };
  return { ok: result.status === 0, stderr: result.stderr ?? '' };
}

function dockerdRunning(): boolean {
  try {
    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Environment for the docker CLI. A CLI newer than the engine (28.x against Debian's 20.10 here) negotiates the API
 * version by itself; an engine that refuses the client's version gets that version pinned with DOCKER_API_VERSION.
 */
export function dockerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const probe = dockerVersion(env);
  const maximum = /Maximum supported API version is ([\d.]+)/.exec(probe.stderr)?.[1];
  if (!probe.ok && maximum) env.DOCKER_API_VERSION = maximum;
  return env;
}

/** What the docker tier lacks, in words a person can act on; empty when the engine answers. */
export async function dockerPrerequisites(): Promise<string[]> {
  if (!onPath('docker')) return ['the docker CLI (apt-get install -y docker.io)'];
  if (dockerVersion(dockerEnv()).ok) return [];
  if (process.env.DOCKER_HOST) return [`a Docker engine answering at DOCKER_HOST=${process.env.DOCKER_HOST}`];
  const mayStart = process.env.CI === 'true' || process.getuid?.() === 0;
  if (!mayStart) return ['a running Docker engine (start dockerd, or run as root so the tests start it)'];
  if (!onPath('dockerd')) return ['dockerd (apt-get install -y docker.io)'];

  const logFile = path.join(tmpdir(), 'todo-dockerd.log');
  // A dockerd that is still starting has written its pid file already; wait for it rather than start a second one.
  if (!dockerdRunning()) {
    const out = openSync(logFile, 'a');
    // Detached and unreferenced: the engine outlives this test run, like a system service would.
    spawn('dockerd', [], { detached: true, stdio: ['ignore', out, out] }).unref();
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (dockerVersion(dockerEnv()).ok) return [];
  }
  return [`a running Docker engine (dockerd was started but did not answer within 60 s; see ${logFile})`];
}
