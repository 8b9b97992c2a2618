import { randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedactor, REDACTED, secretEnvValues, secretValues, variants } from './redact.js';

// Secrets of every shape the kit meets: generated base64url, hex, passwords with punctuation, provider keys,
// connection strings with and without percent-encoding.
const alphabets = [
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  '0123456789abcdef',
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%^*()[]{}~+=.,?',
  'abcdefghijklmnopqrstuvwxyz',
];

function randomSecret(): string {
  const kind = randomInt(6);
  const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
  if (kind === 4) return `sk-${pick(alphabets[0]!, 40)}`;
  if (kind === 5) return randomBytes(32).toString('base64url');
  const alphabet = alphabets[kind]!;
  return pick(alphabet, randomInt(8, 48));
}

/** The ways a secret value shows up in what diagnosis reads. */
function embeddings(name: string, v: string): string[] {
  const url = `postgresql://todo:${encodeURIComponent(v)}@db.example.com:5432/todo?sslmode=require`;
  return [
    v,
    `${name}=${v}`,
    `export ${name}="${v}"`,
    `${name}: ${v}`,
    JSON.stringify({ level: 50, msg: 'x', [name.toLowerCase()]: v, nested: { password: v } }),
    JSON.stringify({ env: [{ name, value: v }] }),
    `Authorization: Bearer ${v}`,
    `curl -H 'authorization: Basic ${Buffer.from(`u:${v}`).toString('base64')}'`,
    `connecting to ${url}`,
    `error: ${JSON.stringify(url)}`,
    Buffer.from(v).toString('base64'),
    `key=${encodeURIComponent(v)}&other=1`,
    `${v}${v}`,
  ];
}

describe('redaction', () => {
  it('no generated secret survives in any of its usual forms (known values)', () => {
    for (let round = 0; round < 300; round++) {
      const secrets = Array.from({ length: 4 }, randomSecret);
      const r = createRedactor(secrets);
      for (const [i, v] of secrets.entries()) {
        for (const text of embeddings(['BETTER_AUTH_SECRET', 'MCP_INTERNAL_TOKEN', 'POSTGRES_PASSWORD', 'OPENAI_API_KEY'][i]!, v)) {
          const out = r.text(text);
          for (const s of secrets) expect(out, `${text} -> ${out}`).not.toContain(s);
        }
      }
    }
  });

  it('removes secret-shaped values it was never told about', () => {
    for (let round = 0; round < 200; round++) {
      const v = randomBytes(randomInt(24, 48)).toString('base64url') + 'Aa1';
      const r = createRedactor();
      for (const text of [`Authorization: Bearer ${v}`, `OPENAI_API_KEY=${v}`, `{"token":"${v}"}`, `postgres://todo:${v}@postgres:5432/todo`, `MCP_INTERNAL_TOKEN: ${v}`, `value ${v} here`, `sk-${v}`]) {
        expect(r.text(text), text).not.toContain(v);
      }
    }
  });

  it('keeps what diagnosis needs: names, messages, pod names, UIDs, image digests', () => {
    const r = createRedactor(['fixturePgPassword1']);
    const keep = [
      "couldn't find key MCP_INTERNAL_TOKEN in Secret todo/todo-secrets",
      'BETTER_AUTH_SECRET: is required but not set',
      ' Missing environment variables:\n    MCP_INTERNAL_TOKEN: Bearer token the backend presents on every /mcp request',
      'password authentication failed for user "todo"',
      'backend-7c9f8d6b5d-r8t5y 5d0c7a3e-1f2b-4c8e-9a51-1cd9b53ae987',
      `docker-pullable://todo-backend@sha256:${'ab'.repeat(32)}`,
      'Readiness probe failed: HTTP probe failed with statuscode: 404',
      'postgres://todo@postgres:5432/todo',
    ];
    for (const text of keep) expect(r.text(text)).toBe(text);
  });

  it('replaces secret-named env values and Secret data in objects, whatever they look like', () => {
    const pod = { spec: { containers: [{ env: [{ name: 'MCP_INTERNAL_TOKEN', value: 'x1' }, { name: 'PORT', value: '8000' }, { name: 'DATABASE_URL', value: 'postgres://a@b/c' }] }] } };
    expect(secretEnvValues(pod)).toEqual(['x1', 'postgres://a@b/c']);
    const r = createRedactor();
    expect(r.deep(pod).spec.containers[0]!.env).toEqual([{ name: 'MCP_INTERNAL_TOKEN', value: REDACTED }, { name: 'PORT', value: '8000' }, { name: 'DATABASE_URL', value: REDACTED }]);
    const secret = { kind: 'Secret', metadata: { name: 'todo-secrets' }, data: { A: Buffer.from('value-one').toString('base64') } };
    expect(secretValues(secret)).toEqual(['value-one']);
    expect(r.deep(secret).data).toEqual({ A: REDACTED });
  });

  it('registers the password of a connection string on its own', () => {
    expect(variants('postgres://todo:p%40ss-word@h/db')).toEqual(expect.arrayContaining(['p%40ss-word', 'p@ss-word']));
    expect(createRedactor(['postgres://todo:p%40ss-word@h/db']).text('auth failed for p@ss-word')).toBe(`auth failed for ${REDACTED}`);
  });
});
