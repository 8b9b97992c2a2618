import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { devSecrets, frontendCommand } from './start.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'todo-start-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('npm start', () => {
  it('generates dev secrets on the first run, readable only by the owner, and keeps them', () => {
    const data = join(tempDir(), '.data');
    const first = devSecrets(data);
    expect(first.betterAuthSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.mcpToken.length).toBeGreaterThanOrEqual(16);
    expect(statSync(join(data, 'dev-secrets.json')).mode & 0o777).toBe(0o600);
    expect(devSecrets(data)).toEqual(first);
    expect(devSecrets(join(tempDir(), '.data')).betterAuthSecret).not.toBe(first.betterAuthSecret);
  });

  it('serves the built frontend when there is a build, else the dev server', () => {
    const frontend = tempDir();
    expect(frontendCommand(frontend)).toEqual({ args: ['run', 'dev', '-w', '@todo/frontend'], mode: 'dev' });
    mkdirSync(join(frontend, '.next'));
    writeFileSync(join(frontend, '.next/BUILD_ID'), 'abc');
    expect(frontendCommand(frontend)).toEqual({ args: ['run', 'start', '-w', '@todo/frontend'], mode: 'built' });
  });
});
