import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleText, prepareHandoff } from './ai-handoff.js';
import { analyze, causeInfo, diagnoseState, effectivePullPolicy, isLocalImage, missingVariables, printReport, type ClusterState } from './diagnose.js';
import { createLogger } from './log.js';

interface Scenario extends ClusterState {
  description: string;
  recorded?: string;
  expect: { causes: string[]; healthy: boolean; evidence?: string };
}

const dir = fileURLToPath(new URL('../../tests/fixtures/diagnose/scenarios/', import.meta.url));
const scenarios = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(dir + f, 'utf8')) as Scenario] as const);

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) });
  return { stream, text: () => chunks.join('') };
}

describe('the cause table against kubectl output', () => {
  it('has a scenario for every failure the runbooks name', () => {
    const causes = new Set(scenarios.flatMap(([, s]) => s.expect.causes));
    for (const c of ['image-not-present', 'image-pull-policy', 'missing-secret-key', 'database-tls', 'database-unreachable', 'oom-killed', 'probe-path', 'missing-env', 'unschedulable-resources', 'node-port-taken', 'mcp-host-rejected', 'migrations-missing']) {
      expect(causes, c).toContain(c);
    }
  });

  it.each(scenarios)('%s', (_name, s) => {
    const report = analyze(s);
    expect([...new Set(report.findings.map((f) => f.cause))]).toEqual(s.expect.causes);
    expect(report.healthy).toBe(s.expect.healthy);
    for (const f of report.findings) {
      expect(f.evidence.length, f.cause).toBeGreaterThan(0);
      expect(f.hint).toBe(causeInfo(f.cause).hint);
      expect(f.commands.every((c) => c.startsWith(`kubectl --context ${s.context}`))).toBe(true);
    }
    if (s.expect.evidence) expect(report.findings[0]!.evidence.join('\n')).toContain(s.expect.evidence);
  });

  it('prints cause, evidence and fix for each finding, and the pods table on stdout', () => {
    const s = Object.fromEntries(scenarios)['oom-killed']!;
    const out = capture();
    const err = capture();
    printReport(analyze(s), createLogger({ out: out.stream, err: err.stream, color: false }));
    expect(out.text()).toMatch(/pod\s+status\s+ready\s+restarts\s+last exit/);
    expect(out.text()).toContain('137 OOMKilled');
    expect(err.text()).toContain('container killed for exceeding its memory limit  [oom-killed]');
    expect(err.text()).toContain('resources.limits.memory 64Mi');
    expect(err.text()).toContain('fix: raise resources.limits.memory');
    expect(err.text()).toContain('kubectl --context minikube -n todo logs backend-7c9f8d6b5d-r8t5y -c backend --tail 50 --previous');
  });

  it('says so when nothing is wrong', () => {
    const err = capture();
    const report = analyze(Object.fromEntries(scenarios)['healthy']!);
    printReport(report, createLogger({ out: capture().stream, err: err.stream, color: false }));
    expect(report.findings).toEqual([]);
    expect(err.text()).toContain('no problems found: statefulset/postgres 1/1');
  });
});

describe('pieces of the rules', () => {
  it.each([
    ['todo-backend:abc', 'IfNotPresent', true],
    ['todo-backend', 'Always', true],
    ['todo-backend:latest', 'Always', true],
    ['localhost:5000/todo-backend:abc', 'IfNotPresent', false],
    ['registry.example.com/team/todo-backend:abc', 'IfNotPresent', false],
    ['library/postgres:17', 'IfNotPresent', true],
    ['todo-backend@sha256:' + 'a'.repeat(64), 'IfNotPresent', true],
  ])('%s pulls %s; local: %s', (image, policy, local) => {
    expect(effectivePullPolicy({ image })).toBe(policy);
    expect(isLocalImage(image)).toBe(local);
  });

  it('reads envalid’s coloured report as the plain one', () => {
    const s = structuredClone(Object.fromEntries(scenarios)['crash-missing-variable']!);
    const key = Object.keys(s.logs)[0]!;
    s.logs[key] = '\x1b[37m================================\x1b[0m\n \x1b[33mMissing\x1b[0m environment variables:\n    \x1b[34mMCP_INTERNAL_TOKEN\x1b[0m: Bearer token\n';
    const f = analyze(s).findings[0]!;
    expect(f.cause).toBe('missing-env');
    expect(f.evidence[0]).toBe('missing or malformed: MCP_INTERNAL_TOKEN');
  });

  it('reads variable names from envalid and from the backend’s report', () => {
    expect(missingVariables('================================\n Missing environment variables:\n    MCP_INTERNAL_TOKEN: Bearer token\n    DATABASE_URL: x\n================================\n')).toEqual(['MCP_INTERNAL_TOKEN', 'DATABASE_URL']);
    expect(missingVariables('backend: invalid environment:\n  BETTER_AUTH_SECRET: is required but not set\nsee .env.example')).toEqual(['BETTER_AUTH_SECRET']);
  });
});

describe('redaction of what diagnosis prints and hands over', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'diagnose-test-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const secretValues = ['fixtureAuthSecretfixtureAuthSecret00', 'fixtureMcpToken0000', 'fixturePgPassword1', 'postgres://todo:fixturePgPassword1@postgres:5432/todo'];

  it.each(scenarios)('%s: no Secret value in the report, the printout, the JSON or the AI bundle', (_name, s) => {
    const { report, state, redactor } = diagnoseState(s);
    const out = capture();
    const err = capture();
    printReport(report, createLogger({ out: out.stream, err: err.stream, color: false }));
    const handoff = prepareHandoff(report, state, redactor, mkdtempSync(path.join(work, 'bundle-')));
    const outputs = [out.text(), err.text(), JSON.stringify(report), JSON.stringify(state), bundleText(report, state, redactor), readFileSync(handoff.file, 'utf8'), handoff.kubectlAi, handoff.kagentTask];
    for (const text of outputs) for (const v of secretValues) expect(text).not.toContain(v);
  });

  it('generated secrets planted in the Secret, in pod env and in every log never come out (100 rounds)', () => {
    const all = scenarios.map(([, s]) => s).filter((s) => s.pods.length);
    for (let round = 0; round < 100; round++) {
      const s = structuredClone(all[round % all.length]!);
      const secrets = Array.from({ length: 4 }, () => randomBytes(randomInt(12, 40)).toString(round % 2 ? 'base64url' : 'hex'));
      const [auth, token, password, apiKey] = secrets as [string, string, string, string];
      const url = `postgres://todo:${encodeURIComponent(password)}@postgres:5432/todo`;
      s.secret = { kind: 'Secret', metadata: { name: 'todo-secrets' }, data: Object.fromEntries(Object.entries({ BETTER_AUTH_SECRET: auth, MCP_INTERNAL_TOKEN: token, POSTGRES_PASSWORD: password, DATABASE_URL: url }).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
      s.pods[0]!.spec!.containers![0]!.env = [...(s.pods[0]!.spec!.containers![0]!.env ?? []), { name: 'OPENAI_API_KEY', value: apiKey }];
      const leak = [`connecting to ${url}`, `Authorization: Bearer ${token}`, `BETTER_AUTH_SECRET=${auth}`, `{"msg":"start","apiKey":"${apiKey}","password":"${password}"}`, `retrying with ${token}`].join('\n');
      for (const p of s.pods) for (const c of p.status?.containerStatuses ?? []) s.logs[`${p.metadata.name}/${c.name}`] = `${s.logs[`${p.metadata.name}/${c.name}`] ?? ''}${leak}\n`;
      s.errorText = `${s.errorText ?? ''}\nfailed with ${url}`;
      const { report, state, redactor } = diagnoseState(s);
      const out = capture();
      const err = capture();
      printReport(report, createLogger({ out: out.stream, err: err.stream, color: false }));
      const handoff = prepareHandoff(report, state, redactor, mkdtempSync(path.join(work, 'bundle-')));
      const outputs = [out.text(), err.text(), JSON.stringify(report), JSON.stringify(state), readFileSync(handoff.file, 'utf8'), handoff.kubectlAi, handoff.kagentTask];
      for (const text of outputs) for (const v of [...secrets, url, encodeURIComponent(password)]) expect(text).not.toContain(v);
    }
  });

  it('keeps the evidence that is not secret', () => {
    const { report } = diagnoseState(Object.fromEntries(scenarios)['database-password-rejected']!);
    const evidence = report.findings[0]!.evidence.join('\n');
    expect(evidence).toContain('password authentication failed for user "todo"');
    expect(evidence).toContain('log: connecting to [redacted]');
  });
});
