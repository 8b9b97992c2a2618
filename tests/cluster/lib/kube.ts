import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { $ } from 'zx';
import type { Logger } from '../../../scripts/lib/log.js';
import { names, net, paths } from './layout.js';
import { pki } from './pki.js';

/** kubectl as the cluster admin, through the cluster's own kubeconfig file. */
export const kubectl = (args: string[], input?: string) =>
  $({ quiet: true, input })`kubectl ${['--kubeconfig', paths.kubeconfig, ...args]}`;

export async function apiReady(): Promise<boolean> {
  const r = await kubectl(['get', '--raw', '/readyz', '--request-timeout', '2s']).nothrow();
  return r.exitCode === 0 && r.stdout.trim() === 'ok';
}

export async function nodeReady(): Promise<boolean> {
  const r = await kubectl([
    'get', 'node', names.node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
  ]).nothrow();
  return r.stdout.trim() === 'True';
}

/**
 * Polls `check` until it returns true, showing what it last reported; throws after `timeoutMs` with that report.
 * Returns the milliseconds waited.
 */
export async function waitFor(
  log: Logger,
  label: string,
  timeoutMs: number,
  check: () => Promise<true | string>,
): Promise<number> {
  const started = Date.now();
  const progress = log.progress(label);
  let last = '';
  while (Date.now() - started < timeoutMs) {
    const result = await check().catch((error: unknown) => String(error));
    if (result === true) {
      const ms = Date.now() - started;
      progress.done(`${label}: ${(ms / 1000).toFixed(1)}s`);
      return ms;
    }
    if (result !== last) progress.update(result);
    last = result;
    await sleep(500);
  }
  progress.fail(`${label}: timed out after ${Math.round(timeoutMs / 1000)}s (${last})`);
  throw new Error(`${label} timed out: ${last}`);
}

export const userKubeconfig = join(homedir(), '.kube', 'config');

/**
 * The deploy kit resolves kubeconfig the default way and selects `--context todo-test`, so the context is also
 * written into ~/.kube/config. The current context there is left as it was.
 */
export async function mergeIntoUserKubeconfig(): Promise<string> {
  const user = `${names.context}-admin`;
  const cfg = ['--kubeconfig', userKubeconfig];
  await mkdir(dirname(userKubeconfig), { recursive: true });
  await $({ quiet: true })`kubectl ${['config', ...cfg, 'set-cluster', names.context, `--server=https://${net.nodeIp}:${net.apiPort}`, `--certificate-authority=${pki.ca}`, '--embed-certs=true']}`;
  await $({ quiet: true })`kubectl ${['config', ...cfg, 'set-credentials', user, `--client-certificate=${join(paths.pki, 'admin.crt')}`, `--client-key=${join(paths.pki, 'admin.key')}`, '--embed-certs=true']}`;
  await $({ quiet: true })`kubectl ${['config', ...cfg, 'set-context', names.context, `--cluster=${names.context}`, `--user=${user}`]}`;
  return userKubeconfig;
}

export async function removeFromUserKubeconfig(): Promise<void> {
  const cfg = ['--kubeconfig', userKubeconfig];
  await $({ quiet: true })`kubectl ${['config', ...cfg, 'delete-context', names.context]}`.nothrow();
  await $({ quiet: true })`kubectl ${['config', ...cfg, 'delete-cluster', names.context]}`.nothrow();
  await $({ quiet: true })`kubectl ${['config', ...cfg, 'delete-user', `${names.context}-admin`]}`.nothrow();
}
