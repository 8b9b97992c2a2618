import { cleanEnv, makeValidator, num, port, str, url } from 'envalid';

/**
 * The backend's whole configuration, read from the environment in one place. Every missing or malformed variable is
 * reported at once, by name; values are never echoed because several of them are secrets.
 */

export class EnvError extends Error {
  override name = 'EnvError';
  constructor(readonly problems: { name: string; message: string }[]) {
    super(`invalid environment:\n${problems.map((p) => `  ${p.name}: ${p.message}`).join('\n')}`);
  }
}

const secret = (minLength: number) =>
  makeValidator<string>((v) => {
    if (v.length < minLength) throw new Error(`must be at least ${minLength} characters`);
    if (/\s/.test(v)) throw new Error('must not contain whitespace');
    return v;
  });

const postgresUrl = makeValidator<string>((v) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new Error('must be a postgres:// or postgresql:// URL');
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new Error('must be a postgres:// or postgresql:// URL');
  return v;
});

const originList = makeValidator<string[]>((v) => {
  const origins = v.split(',').map((s) => s.trim()).filter(Boolean);
  return origins.map((o) => {
    try {
      return new URL(o).origin;
    } catch {
      throw new Error('must be a comma-separated list of origins such as https://todo.example.com');
    }
  });
});

const turns = makeValidator<number>((v) => {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 50) throw new Error('must be a whole number from 1 to 50');
  return Number(v);
});

export const backendEnvSpecs = {
  PORT: port({ default: 8000 }),
  HOST: str({ default: '0.0.0.0' }),
  DATABASE_URL: postgresUrl({ default: undefined }),
  PGLITE_DIR: str({ default: '.data/pglite' }),
  DATABASE_POOL_MAX: num({ default: 10 }),
  BETTER_AUTH_SECRET: secret(32)(),
  BETTER_AUTH_URL: url({ default: 'http://localhost:3000' }),
  TRUSTED_ORIGINS: originList({ default: [] }),
  MCP_SERVER_URL: url({ default: 'http://localhost:8001/mcp' }),
  MCP_INTERNAL_TOKEN: secret(16)(),
  OPENAI_API_KEY: str({ default: undefined }),
  OPENAI_BASE_URL: url({ default: 'https://api.openai.com/v1' }),
  OPENAI_MODEL: str({ default: 'gpt-4o-mini' }),
  AGENT_MAX_TURNS: turns({ default: 6 }),
  LOG_LEVEL: str({ choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' }),
};

export type BackendEnv = ReturnType<typeof readBackendEnv>;

/** `source` defaults to process.env; an empty value counts as unset, as .env.example documents. */
export function readBackendEnv(source: Record<string, string | undefined> = process.env) {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  return cleanEnv(present, backendEnvSpecs, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors)
        .filter(([, e]) => e)
        .map(([name, e]) => ({ name, message: describe(e as Error) }));
      if (problems.length) throw new EnvError(problems);
    },
  });
}

function describe(e: Error): string {
  if (e instanceof ReferenceError) return 'is required but not set';
  const choices = /not in choices \[(.*)\]/.exec(e.message);
  if (choices) return `must be one of ${choices[1]}`;
  return e.message.replace(/"[^"]*"/g, 'the value');
}
