import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// diagnose.ts is run for real. The kubectl on PATH is a stand-in that records its calls, which proves that bad
// arguments stop the script before it reads anything, and one that answers like an unreachable API server.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');

const bins: string[] = [];
afterAll(() => bins.forEach((b) => rmSync(b, { recursive: true, force: true })));

function fakeKubectl(script: string): { bin: string; calls: string } {
  const bin = mkdtempSync(path.join(tmpdir(), 'diagnose-bin-'));
  bins.push(bin);
  const calls = path.join(bin, 'calls.log');
  writeFileSync(calls, '');
  writeFileSync(path.join(bin, 'kubectl'), `#!/bin/sh\necho "kubectl $*" >> ${calls}\n${script}\n`);
  chmodSync(path.join(bin, 'kubectl'), 0o755);
  return { bin, calls };
}

function run(args: string[], bin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(tsx, [path.join(root, 'scripts', 'diagnose.ts'), ...args], { cwd: root, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('diagnose.ts command line', () => {
  const recorder = fakeKubectl('exit 1');

  it.concurrent.each([
    [['web'], /component must be one of frontend, backend, mcp_server, postgres, migrate, got 'web'/],
    [['backend', 'frontend'], /unexpected argument 'frontend'/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--tail', '0'], /--tail must be between 1 and 5000/],
    [['--tail', 'many'], /--tail must be a whole number/],
    [['--node-port', '80'], /--node-port must be between 30000 and 32767/],
    [['--namespace', 'Not_Valid'], /--namespace 'Not_Valid' is not a valid name/],
    [['--context'], /--context/],
    [['--json=yes'], /--json/],
  ])('%j exits 2 with the usage and reads nothing', async (args, message) => {
    const r = await run(args as string[], recorder.bin);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: npx tsx scripts/diagnose.ts [component] [options]');
    expect(r.code).toBe(2);
  });

  it('--help prints the usage with the exit codes and exits 0', async () => {
    const r = await run(['--help'], recorder.bin);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: npx tsx scripts/diagnose.ts [component] [options]');
    expect(r.stdout).toMatch(/Exit status: 0 nothing wrong found; 1 a problem was found/);
    for (const flag of ['--context', '--namespace', '--json', '--ai']) expect(r.stdout).toContain(flag);
  });

  it('no call above reached kubectl', async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(recorder.calls, 'utf8')).toBe('');
  });

  it('exits 3 when the cluster cannot be read', async () => {
    const down = fakeKubectl('echo "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?" >&2\nexit 1');
    const r = await run(['--context', 'minikube'], down.bin);
    expect(r.stderr).toContain('cannot read the cluster');
    expect(r.code).toBe(3);
  });
});
