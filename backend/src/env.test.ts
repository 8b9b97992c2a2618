import { describe, expect, it } from 'vitest';
import { EnvError, readBackendEnv } from './env.js';

const required = { BETTER_AUTH_SECRET: 's'.repeat(32), MCP_INTERNAL_TOKEN: 't'.repeat(16) };

describe('backend environment', () => {
  it('fills in the documented defaults', () => {
    const env = readBackendEnv({ ...required, OPENAI_API_KEY: '' });
    expect(env).toMatchObject({
      PORT: 8000,
      PGLITE_DIR: '.data/pglite',
      BETTER_AUTH_URL: 'http://localhost:3000',
      TRUSTED_ORIGINS: [],
      MCP_SERVER_URL: 'http://localhost:8001/mcp',
      OPENAI_MODEL: 'gpt-4o-mini',
      AGENT_MAX_TURNS: 6,
      LOG_LEVEL: 'info',
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.OPENAI_API_KEY).toBeUndefined();
  });

  it('reports every problem at once, by name, without echoing values', () => {
    let error: unknown;
    try {
      readBackendEnv({
        BETTER_AUTH_SECRET: 'too-short-secret',
        PORT: 'eighty',
        DATABASE_URL: 'mysql://secret-password@db/x',
        TRUSTED_ORIGINS: 'https://ok.example, not a url',
        AGENT_MAX_TURNS: '0',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    const names = (error as EnvError).problems.map((p) => p.name).sort();
    expect(names).toEqual(['AGENT_MAX_TURNS', 'BETTER_AUTH_SECRET', 'DATABASE_URL', 'LOG_LEVEL', 'MCP_INTERNAL_TOKEN', 'PORT', 'TRUSTED_ORIGINS']);
    expect((error as Error).message).not.toContain('secret-password');
    expect((error as Error).message).not.toContain('too-short-secret');
  });

  it('normalises trusted origins', () => {
    expect(readBackendEnv({ ...required, TRUSTED_ORIGINS: 'https://a.example/, http://b.example:8080' }).TRUSTED_ORIGINS).toEqual([
      'https://a.example',
      'http://b.example:8080',
    ]);
  });
});
