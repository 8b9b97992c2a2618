import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { causes, classify, classifyText, type Observation } from './diagnose-rules.js';

const dir = fileURLToPath(new URL('../../tests/fixtures/diagnose/', import.meta.url));
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(dir + f, 'utf8'))] as [string, Observation & { expect: string[]; expectFatal?: boolean; expectEvidence?: string }]);

describe('classify', () => {
  it('has fixtures', () => expect(fixtures.length).toBeGreaterThan(10));

  it.each(fixtures)('%s', (_name, fx) => {
    const findings = classify(fx);
    expect(findings.map((f) => f.cause)).toEqual(fx.expect);
    for (const f of findings) {
      expect(f.fatal).toBe(fx.expectFatal ?? causes[f.cause].fatal);
      expect(f.evidence.length).toBeGreaterThan(0);
      expect(f.hint).toBeTruthy();
    }
    if (fx.expectEvidence) expect(findings[0]!.evidence.join('\n')).toContain(fx.expectEvidence);
  });

  it('stops at once on causes waiting cannot fix and tolerates a dependency still starting', () => {
    const byName = Object.fromEntries(fixtures);
    for (const n of ['err-image-never-pull', 'image-pull-backoff', 'missing-secret-key', 'oom-killed', 'crash-missing-env', 'probe-wrong-path']) {
      expect(classify(byName[n]!).some((f) => f.fatal), n).toBe(true);
    }
    for (const n of ['crash-waiting-for-database', 'readiness-503-not-migrated', 'err-image-pull-transient', 'crash-unknown', 'healthy']) {
      expect(classify(byName[n]!).some((f) => f.fatal), n).toBe(false);
    }
  });
});

describe('classifyText', () => {
  it.each([
    ['The Service "frontend" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated', 'node-port-taken'],
    ['The Job "migrate-x" is invalid: spec.template: Invalid value: ...: field is immutable', 'immutable-field'],
    ['Error: Invalid Host header: mcp-server:8001', 'mcp-host-rejected'],
    ["Error: EROFS: read-only file system, open '/app/frontend/.next/cache/x'", 'read-only-filesystem'],
    // envalid's own report, coloured as it prints it in a container log.
    ['\x1b[33m================================\x1b[0m\n \x1b[31mMissing\x1b[0m environment variables:\n    \x1b[33mMCP_INTERNAL_TOKEN\x1b[0m', 'missing-env'],
    ['all good', undefined],
  ])('%s', (text, cause) => expect(classifyText(text)).toBe(cause));
});
