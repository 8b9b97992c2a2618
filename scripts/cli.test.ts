import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Each script is run for real. kubectl, docker and minikube on PATH are stand-ins that only record that they were
// called, which proves a usage error stops the script before it touches anything.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const bin = mkdtempSync(path.join(tmpdir(), 'cli-bin-'));
const calls = path.join(bin, 'calls.log');
writeFileSync(calls, '');
for (const tool of ['kubectl', 'docker', 'minikube']) {
  writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> ${calls}\nexit 1\n`);
  chmodSync(path.join(bin, tool), 0o755);
}

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [path.join(root, 'scripts', script), ...args], { cwd: root, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const cases: [string, string[], RegExp][] = [
  ['deploy.ts', ['--bogus'], /Unknown option '--bogus'/],
  ['deploy.ts', ['--node-port', '80'], /--node-port must be between 30000 and 32767/],
  ['deploy.ts', ['--registry', 'http://x'], /--registry must look like host:port/],
  ['deploy.ts', ['--out', '/tmp/x'], /--out only goes with --dry-run/],
  ['deploy.ts', ['--timeout', 'soon'], /--timeout must be a whole number/],
  ['scale.ts', ['backend'], /missing argument <replicas>/],
  ['scale.ts', ['database', '2'], /component must be one of frontend, backend, mcp_server/],
  ['scale.ts', ['backend', 'two'], /replicas must be a whole number/],
  ['scale.ts', ['backend', '99'], /replicas must be between 0 and 20/],
  ['verify.ts', ['--url', 'ftp://x'], /--url must be an http\(s\) URL/],
  ['verify.ts', ['extra'], /unexpected argument 'extra'/],
  ['teardown.ts', ['--purge=yes'], /--purge/],
  ['status.ts', ['--namespace', 'Not_Valid'], /--namespace 'Not_Valid' is not a valid name/],
  ['logs.ts', [], /missing argument <component>/],
  ['logs.ts', ['backend', '--tail', '0'], /--tail must be between 1/],
  ['rollback.ts', ['web'], /component must be one of/],
  ['postgres-image.ts', ['--registry', 'a/b'], /--registry must look like host:port/],
];

describe('command lines', () => {
  it.concurrent.each(cases)('%s %j exits 2 with the usage and changes nothing', async (script, args, message) => {
    const r = await run(script, args);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(`Usage: npx tsx scripts/${script}`);
    expect(r.code).toBe(2);
  });

  it.concurrent.each(['deploy.ts', 'scale.ts', 'verify.ts', 'teardown.ts', 'status.ts', 'logs.ts', 'rollback.ts', 'postgres-image.ts'])('%s --help prints the usage and exits 0', async (script) => {
    const r = await run(script, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: npx tsx scripts/${script}`);
    // Every cluster-facing verb takes the context and namespace; the image maker talks only to docker.
    if (script !== 'postgres-image.ts') expect(r.stdout).toMatch(/--context[\s\S]*--namespace/);
  });

  it('a missing --env-file stops before anything runs', async () => {
    // tsx hands --env-file to Node as well, which refuses a missing file itself (exit 9) before the script starts.
    const r = await run('deploy.ts', ['--env-file', '/nonexistent/.env']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('/nonexistent/.env');
  });

  it('a malformed environment is a usage error listing every bad variable', async () => {
    const r = await run('deploy.ts', ['--dry-run'], { LOG_LEVEL: 'loud', AGENT_MAX_TURNS: 'x', BETTER_AUTH_SECRET: 'short' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/LOG_LEVEL[\s\S]*AGENT_MAX_TURNS|AGENT_MAX_TURNS[\s\S]*LOG_LEVEL/);
    expect(r.stderr).toContain('BETTER_AUTH_SECRET');
    expect(r.stderr).not.toContain('short\n');
  });

  it('deploy --dry-run renders and validates with no cluster and no docker', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'dry-run-'));
    const r = await run('deploy.ts', ['--dry-run', '--out', out, '--namespace', 'todo-dry']);
    expect(r.stderr).toContain('objects validate against the Kubernetes schemas');
    expect(r.code).toBe(0);
    expect(readFileSync(path.join(out, '50-backend.yaml'), 'utf8')).toContain('namespace: todo-dry');
  });

  it('no script above called kubectl, docker or minikube', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(calls, 'utf8')).toBe('');
  });
});
