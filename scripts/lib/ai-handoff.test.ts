import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { askKubectlAi, prepareHandoff, question, shellQuote } from './ai-handoff.js';
import { diagnoseState, type ClusterState } from './diagnose.js';

const scenario = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../tests/fixtures/diagnose/scenarios/${name}.json`, import.meta.url)), 'utf8')) as ClusterState;

const work = mkdtempSync(path.join(tmpdir(), 'ai-handoff-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('hand-off to kubectl-ai and kagent', () => {
  it('asks kubectl-ai with the question as its argument and the redacted bundle on stdin', async () => {
    // A kubectl-ai stand-in that keeps what it was given; it runs for real, as a child process.
    const bin = mkdtempSync(path.join(work, 'bin-'));
    writeFileSync(path.join(bin, 'kubectl-ai'), `#!/bin/sh\nprintf '%s\\n' "$@" > ${bin}/argv\ncat > ${bin}/stdin\necho "the Secret lacks a key"\n`);
    chmodSync(path.join(bin, 'kubectl-ai'), 0o755);
    const state = scenario('database-password-rejected');
    const { report, state: redacted, redactor } = diagnoseState(state);
    const h = prepareHandoff(report, redacted, redactor, mkdtempSync(path.join(work, 'bundle-')));
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    try {
      expect(await askKubectlAi(h)).toBe(0);
    } finally {
      process.env.PATH = saved;
    }
    const argv = readFileSync(path.join(bin, 'argv'), 'utf8');
    const stdin = readFileSync(path.join(bin, 'stdin'), 'utf8');
    expect(argv).toBe(`--quiet\n${question(report)}\n`);
    expect(stdin).toContain('## Findings');
    expect(stdin).toContain('password authentication failed for user "todo"');
    expect(stdin).toContain('connecting to [redacted]');
    for (const text of [argv, stdin]) {
      for (const secret of ['fixturePgPassword1', 'fixtureMcpToken0000', 'fixtureAuthSecretfixtureAuthSecret00']) expect(text).not.toContain(secret);
    }
  });

  it('prints commands a shell takes as they are, and keeps the bundle to its owner', () => {
    const { report, state, redactor } = diagnoseState(scenario('missing-secret-key'));
    const h = prepareHandoff(report, state, redactor, mkdtempSync(path.join(work, 'bundle-')));
    expect(h.kubectlAi).toBe(`kubectl-ai --quiet ${shellQuote(h.question)} < ${h.file}`);
    expect(h.kagentTask).toBe(`kagent invoke --agent k8s-agent --task ${shellQuote(h.question)}`);
    expect(h.kagentFile).toBe(`kagent invoke --agent k8s-agent --file ${h.file}`);
    expect(h.question).toContain('a key is missing from Secret todo-secrets');
    expect(readFileSync(h.file, 'utf8')).toContain("couldn't find key MCP_INTERNAL_TOKEN");
    expect(statSync(h.file).mode & 0o777).toBe(0o600);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
