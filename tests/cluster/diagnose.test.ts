import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { $ } from 'zx';
import { describeTier } from '../lib/tier.js';
import { runScript } from './lib/app.js';
import { kubectl } from './lib/kube.js';
import { names } from './lib/layout.js';
import { appTierPrerequisites, ensureClusterUp, repoRoot } from './lib/tier.js';

/**
 * diagnose.ts on a real cluster: the app is deployed, then one thing at a time is broken on the live mcp-server
 * Deployment (the old pod keeps serving, the new one fails), and diagnose.ts must name the cause; each break is
 * repaired before the next.
 */
const namespace = 'todo-diagnose';
const nodePort = 30181;
const deadlineMs = 150_000;

interface Finding {
  cause: string;
  object: string;
  evidence: string[];
}

describeTier('cluster', appTierPrerequisites(), 'diagnose.ts names the cause of real failures', () => {
  let workDir = '';
  const kube = (args: string[]) => kubectl(['-n', namespace, ...args]);

  /** Runs diagnose.ts until it reports `cause` for mcp_server, or the deadline passes; returns the last findings. */
  async function diagnoseUntil(cause: string): Promise<{ findings: Finding[]; exitCode: number; output: string }> {
    const started = Date.now();
    for (;;) {
      const run = await runScript(repoRoot, 'diagnose', ['mcp_server', '--json'], namespace);
      const json = run.output.slice(run.output.indexOf('{'), run.output.lastIndexOf('}') + 1);
      const findings = (JSON.parse(json) as { findings: Finding[] }).findings;
      if (findings.some((f) => f.cause === cause) || Date.now() - started > deadlineMs) {
        return { findings, exitCode: run.exitCode, output: run.output };
      }
      await new Promise((r) => setTimeout(r, 5000));
    }
  }

  const rolledOut = async () => {
    const r = await kube(['rollout', 'status', 'deployment/mcp-server', '--timeout=180s']).nothrow();
    expect(r.exitCode, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    await ensureClusterUp();
    await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=true', '--timeout=180s']);
    workDir = await mkdtemp(join(tmpdir(), 'todo-diagnose-'));
    const baseImage = (await $({ cwd: repoRoot, quiet: true })`npx ${['tsx', 'tests/docker/make-base-image.ts']}`).stdout.trim().split('\n').pop()!;
    const postgres = await $({ cwd: repoRoot, quiet: true })`npx ${['tsx', 'scripts/postgres-image.ts', '--registry', names.registry]}`;
    const envFile = join(workDir, '.env');
    await writeFile(envFile, `POSTGRES_IMAGE=${postgres.stdout.trim().split('\n').pop()!}\n`, { mode: 0o600 });
    const deploy = await runScript(
      repoRoot,
      'deploy',
      ['--registry', names.registry, '--base-image', baseImage, '--env-file', envFile, '--node-port', String(nodePort), '--timeout', '180'],
      namespace,
    );
    expect(deploy.exitCode, deploy.output).toBe(0);
  });

  afterAll(async () => {
    await kubectl(['delete', 'namespace', namespace, '--ignore-not-found', '--wait=false']).nothrow();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  test('a healthy deployment has no findings and exits 0', async () => {
    const run = await runScript(repoRoot, 'diagnose', ['--json'], namespace);
    expect(run.exitCode, run.output).toBe(0);
  });

  test('a wrong image tag', async () => {
    await kube(['set', 'image', 'deployment/mcp-server', `mcp-server=${names.registry}/todo-mcp-server:does-not-exist`]);
    const { findings, exitCode, output } = await diagnoseUntil('image-pull');
    expect(findings.map((f) => f.cause), output).toContain('image-pull');
    expect(exitCode).toBe(1);
    expect(findings.find((f) => f.cause === 'image-pull')!.evidence.join('\n')).toMatch(/does-not-exist/);
    await kube(['rollout', 'undo', 'deployment/mcp-server']);
    await rolledOut();
  });

  test('a Secret key the Deployment needs is deleted', async () => {
    const original = JSON.parse((await kube(['get', 'secret', 'todo-secrets', '-o', 'json'])).stdout) as {
      metadata: Record<string, unknown>;
      data: Record<string, string>;
    };
    const broken = structuredClone(original);
    delete broken.data.MCP_INTERNAL_TOKEN;
    // Secret values travel on stdin only.
    await kubectl(['-n', namespace, 'replace', '-f', '-'], JSON.stringify(broken));
    await kube(['rollout', 'restart', 'deployment/mcp-server']);
    const { findings, exitCode, output } = await diagnoseUntil('missing-secret-key');
    expect(findings.map((f) => f.cause), output).toContain('missing-secret-key');
    expect(exitCode).toBe(1);
    expect(findings.find((f) => f.cause === 'missing-secret-key')!.evidence.join('\n')).toMatch(/MCP_INTERNAL_TOKEN/);
    const { resourceVersion: _drop, ...metadata } = original.metadata;
    await kubectl(['-n', namespace, 'replace', '-f', '-'], JSON.stringify({ ...original, metadata }));
    await rolledOut();
  });

  test('a readiness probe on a path the server does not serve', async () => {
    const patch = [{ op: 'replace', path: '/spec/template/spec/containers/0/readinessProbe/httpGet/path', value: '/healthz' }];
    await kube(['patch', 'deployment/mcp-server', '--type=json', '-p', JSON.stringify(patch)]);
    const { findings, exitCode, output } = await diagnoseUntil('probe-path');
    expect(findings.map((f) => f.cause), output).toContain('probe-path');
    expect(exitCode).toBe(1);
    expect(findings.find((f) => f.cause === 'probe-path')!.evidence.join('\n')).toMatch(/healthz|404/);
    await kube(['rollout', 'undo', 'deployment/mcp-server']);
    await rolledOut();
  });
});
