import { describe, expect, it } from 'vitest';
import { deployEnvSpecs, readEnv } from './env.js';
import { decodeSecret, planSecret, toEnvFile } from './secrets.js';

const env = (source: Record<string, string> = {}) => readEnv(deployEnvSpecs, source);
let n = 0;
const gen = () => `generated-${++n}-xxxxxxxxxxxxxxxx`;

describe('planSecret', () => {
  it('generates missing values on the first deploy and derives the in-cluster DATABASE_URL', () => {
    const plan = planSecret(env(), {}, gen);
    expect(plan.generated).toEqual(['BETTER_AUTH_SECRET', 'MCP_INTERNAL_TOKEN', 'POSTGRES_PASSWORD']);
    expect(plan.data.DATABASE_URL).toBe(`postgres://todo:${encodeURIComponent(plan.data.POSTGRES_PASSWORD!)}@postgres:5432/todo`);
    expect(plan.data.OPENAI_API_KEY).toBeUndefined();
  });

  it('keeps the values already in the cluster, so a redeploy changes nothing', () => {
    const first = planSecret(env(), {}, gen);
    const second = planSecret(env(), first.data as Record<string, string>, gen);
    expect(second.data).toEqual(first.data);
    expect(second.generated).toEqual([]);
    expect(second.kept).toEqual(['BETTER_AUTH_SECRET', 'MCP_INTERNAL_TOKEN', 'POSTGRES_PASSWORD']);
  });

  it('lets given values win, and warns when the database password would no longer open the volume', () => {
    const live = { BETTER_AUTH_SECRET: 'a'.repeat(40), MCP_INTERNAL_TOKEN: 'b'.repeat(20), POSTGRES_PASSWORD: 'c'.repeat(20) };
    const plan = planSecret(env({ BETTER_AUTH_SECRET: 'z'.repeat(40), POSTGRES_PASSWORD: 'd'.repeat(20), OPENAI_API_KEY: 'sk-test-123456' }), live, gen);
    expect(plan.data.BETTER_AUTH_SECRET).toBe('z'.repeat(40));
    expect(plan.data.OPENAI_API_KEY).toBe('sk-test-123456');
    expect(plan.warnings.join()).toMatch(/POSTGRES_PASSWORD differs/);
  });

  it('uses an external DATABASE_URL as given and has no postgres password', () => {
    const plan = planSecret(env({ DATABASE_URL: 'postgres://u:p@db.example.com/app?sslmode=require' }), {}, gen);
    expect(plan.data.DATABASE_URL).toBe('postgres://u:p@db.example.com/app?sslmode=require');
    expect(plan.data.POSTGRES_PASSWORD).toBeUndefined();
  });
});

describe('secret encoding', () => {
  it('writes KEY=value lines and refuses multi-line values', () => {
    expect(toEnvFile({ A: 'x=y', B: undefined, C: 'z' })).toBe('A=x=y\nC=z\n');
    expect(() => toEnvFile({ A: 'x\ny' })).toThrow(/A must be a single line/);
  });
  it('decodes kubectl get secret -o json', () => {
    expect(decodeSecret({ data: { A: Buffer.from('hello').toString('base64') } })).toEqual({ A: 'hello' });
    expect(decodeSecret(null)).toEqual({});
  });
});
