import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvProblems, deployEnvSpecs, loadEnvFile, readEnv } from './env.js';

function problems(source: Record<string, string>): EnvProblems {
  try {
    readEnv(deployEnvSpecs, source);
  } catch (err) {
    if (err instanceof EnvProblems) return err;
    throw err;
  }
  throw new Error('expected EnvProblems');
}

describe('readEnv', () => {
  it('applies defaults when nothing is set and treats empty values as unset', () => {
    const env = readEnv(deployEnvSpecs, { DATABASE_URL: '', LOG_LEVEL: '' });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.POSTGRES_IMAGE).toMatch(/^postgres:\d/);
    expect(env.AGENT_MAX_TURNS).toBe(6);
  });

  it('reports every malformed variable at once, without echoing values', () => {
    const secretValue = 'short-secret';
    const err = problems({
      DATABASE_URL: 'mysql://x/y',
      BETTER_AUTH_SECRET: secretValue,
      LOG_LEVEL: 'loud',
      AGENT_MAX_TURNS: 'many',
      POSTGRES_IMAGE: 'postgres:latest',
      BETTER_AUTH_URL: 'not a url',
    });
    expect(err.problems.map((p) => p.name).sort()).toEqual(
      ['AGENT_MAX_TURNS', 'BETTER_AUTH_SECRET', 'BETTER_AUTH_URL', 'DATABASE_URL', 'LOG_LEVEL', 'POSTGRES_IMAGE'].sort(),
    );
    expect(err.message).not.toContain(secretValue);
    expect(err.message).toContain('must be one of fatal,error,warn,info,debug,trace');
  });

  it('reports every missing required variable at once', async () => {
    const { str } = await import('envalid');
    try {
      readEnv({ A: str(), B: str(), C: str({ default: 'c' }) }, {});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EnvProblems);
      expect((err as EnvProblems).problems).toEqual([
        { name: 'A', message: 'is required but not set' },
        { name: 'B', message: 'is required but not set' },
      ]);
    }
  });

  it('accepts good values', () => {
    const env = readEnv(deployEnvSpecs, {
      DATABASE_URL: 'postgres://u:p@db.example.com/app?sslmode=require',
      BETTER_AUTH_SECRET: 'x'.repeat(40),
      BACKEND_REPLICAS: '3',
      POSTGRES_IMAGE: 'localhost:5000/postgres:17.6-alpine',
    });
    expect(env.BACKEND_REPLICAS).toBe(3);
    expect(env.DATABASE_URL).toContain('db.example.com');
  });
});

describe('loadEnvFile', () => {
  it('parses a .env file and treats a missing one as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nOPENAI_MODEL=gpt-x\nDATABASE_URL=\nLOG_LEVEL="debug"\n');
    expect(loadEnvFile(file)).toEqual({ OPENAI_MODEL: 'gpt-x', DATABASE_URL: '', LOG_LEVEL: 'debug' });
    expect(loadEnvFile(join(dir, 'missing'))).toEqual({});
  });
});
