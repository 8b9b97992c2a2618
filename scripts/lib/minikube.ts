import { $ } from 'zx';
import { ScriptError } from './args.js';
import type { Logger } from './log.js';

const $m = $({ quiet: true });

export interface MinikubeStatus {
  Host?: string;
  Kubelet?: string;
  APIServer?: string;
}

export async function minikubeStatus(profile: string): Promise<MinikubeStatus | null> {
  // `minikube status` exits non-zero whenever something is stopped; its JSON still says what.
  const out = await $m`minikube status -p ${profile} -o json`.nothrow();
  try {
    return JSON.parse(out.stdout) as MinikubeStatus;
  } catch {
    return null;
  }
}

export async function ensureMinikubeRunning(profile: string, log: Logger): Promise<void> {
  if ((await $m`which minikube`.nothrow()).exitCode !== 0) {
    throw new ScriptError(`the context ${profile} is a minikube cluster, but minikube is not installed`, 'install it: https://minikube.sigs.k8s.io/docs/start/');
  }
  const status = await minikubeStatus(profile);
  if (status?.Host === 'Running' && status.APIServer === 'Running') {
    log.ok(`minikube (${profile}) is running`);
    return;
  }
  const progress = log.progress(`starting minikube (${profile})`);
  const start = $m`minikube start -p ${profile}`.nothrow();
  const timer = setInterval(() => progress.update('minikube start'), 5000);
  const result = await start.finally(() => clearInterval(timer));
  if (result.exitCode !== 0) {
    progress.fail('minikube did not start');
    log.detail(result.stderr.trim().split('\n').slice(-10));
    throw new ScriptError('minikube did not start', 'run `minikube start --cpus 4 --memory 6g` by hand and read its advice');
  }
  progress.done(`minikube (${profile}) started`);
}

/** Parses `minikube docker-env --shell none`: KEY=VALUE lines for the docker CLI. */
export function parseDockerEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m?.[1]) env[m[1]] = m[2]!.replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** The environment that points the docker CLI at minikube's own daemon, so built images need no registry. */
export async function minikubeDockerEnv(profile: string): Promise<Record<string, string>> {
  const out = await $m`minikube -p ${profile} docker-env --shell none`.nothrow();
  if (out.exitCode !== 0) {
    throw new ScriptError(
      `minikube docker-env failed: ${out.stderr.trim().split('\n').pop()}`,
      'the docker-env build path needs the docker container runtime (`minikube start --container-runtime=docker`); otherwise use --registry',
    );
  }
  return parseDockerEnv(out.stdout);
}

export async function minikubeIp(profile: string): Promise<string | undefined> {
  const out = await $m`minikube -p ${profile} ip`.nothrow();
  return out.exitCode === 0 ? out.stdout.trim() : undefined;
}
