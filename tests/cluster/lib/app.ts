import { request } from 'node:http';
import { mkdtemp, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';
import { names } from './layout.js';
import { repoRoot } from './tier.js';

/**
 * A copy of the working tree (tracked and untracked files, nothing ignored) in a temporary folder, sharing the
 * repository's node_modules. The tier edits sources there, as a developer would in a checkout, without touching the
 * tree it was started from.
 */
export async function copyCheckout(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'todo-cluster-tier-'));
  const files = (await $({ cwd: repoRoot, quiet: true })`git ls-files -z --cached --others --exclude-standard`).stdout
    .split('\0')
    .filter(Boolean);
  const archive = join(dir, '.checkout.tar');
  await $({ cwd: repoRoot, quiet: true, input: files.join('\0') })`tar ${['--null', '--ignore-failed-read', '-cf', archive, '-T', '-']}`;
  await $({ quiet: true })`tar ${['-C', dir, '-xf', archive]}`;
  await $({ quiet: true })`rm ${['-f', archive]}`;
  await symlink(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

export interface ScriptRun {
  exitCode: number;
  output: string;
  ms: number;
}

/** One of the deploy kit's scripts, run from `cwd` exactly as a person types it, against the test cluster. */
export async function runScript(cwd: string, script: string, args: string[], namespace: string): Promise<ScriptRun> {
  const started = Date.now();
  const argv = [`scripts/${script}.ts`, ...args, '--context', names.context, '--namespace', namespace];
  const result = await $({ cwd, quiet: true, env: { ...process.env, FORCE_COLOR: '0' } })`npx ${['tsx', ...argv]}`.nothrow();
  const ms = Date.now() - started;
  const output = `${result.stdout}\n${result.stderr}`;
  console.log(`$ npx tsx ${argv.join(' ')}  -> exit ${result.exitCode} in ${(ms / 1000).toFixed(1)}s\n${tail(output, 25)}`);
  return { exitCode: result.exitCode ?? -1, output, ms };
}

export const tail = (text: string, lines: number) => text.trimEnd().split('\n').slice(-lines).join('\n');

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request on a connection of its own, so a test counts what a fresh client would see. */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, timeout: options.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface Account {
  token: string;
  userId: string;
}

/** Signs a new user up through the frontend's public entry point (Better Auth's bearer plugin returns the token). */
export async function signUp(appUrl: string, email: string): Promise<Account> {
  const res = await http(`${appUrl}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: appUrl },
    body: JSON.stringify({ email, password: 'cluster-tier-password-1', name: 'Cluster Tier' }),
  });
  if (res.status !== 200) throw new Error(`sign-up answered ${res.status}: ${res.body.slice(0, 300)}`);
  const json = JSON.parse(res.body) as { token?: string; user?: { id?: string } };
  const token = (res.headers['set-auth-token'] as string | undefined) ?? json.token;
  if (!token || !json.user?.id) throw new Error(`sign-up gave no token or user id: ${res.body.slice(0, 300)}`);
  return { token, userId: json.user.id };
}

export const authHeaders = (appUrl: string, account: Account) => ({
  authorization: `Bearer ${account.token}`,
  origin: appUrl,
  'content-type': 'application/json',
});

export interface LoadReport {
  sent: number;
  failed: number;
  seconds: number;
  rate: number;
  failures: string[];
}

/**
 * A bounded load loop: `rate` requests per second spread over a few workers, each request on its own connection,
 * until `until` settles. A request fails on a network error, a timeout or any status but 200.
 */
export async function loadWhile(until: Promise<unknown>, rate: number, next: (i: number) => Promise<HttpResult>): Promise<LoadReport> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const started = Date.now();
  let sent = 0;
  let failed = 0;
  const failures: string[] = [];
  const inflight = new Set<Promise<void>>();
  while (!done) {
    // Paced by the clock, so a slow answer delays nothing: the loop keeps the rate and caps what is in flight.
    const due = Math.floor(((Date.now() - started) / 1000) * rate);
    while (sent < due && inflight.size < 64) {
      const i = sent++;
      const p = next(i)
        .then((res) => {
          if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 120)}`);
        })
        .catch((error: unknown) => {
          failed++;
          if (failures.length < 20) failures.push(`#${i} at ${((Date.now() - started) / 1000).toFixed(1)}s: ${String(error)}`);
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(inflight);
  const seconds = (Date.now() - started) / 1000;
  return { sent, failed, seconds, rate: sent / seconds, failures };
}
