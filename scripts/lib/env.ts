import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { cleanEnv, makeValidator, str, url, type CleanedEnv } from 'envalid';

/**
 * The one place in scripts/ that reads process.env. Everything else receives values from here, so a person can
 * see in one file which variables the kit honours, and a bad value is reported together with every other bad value.
 */

export class EnvProblems extends Error {
  override name = 'EnvProblems';
  constructor(readonly problems: { name: string; message: string }[]) {
    super(`invalid environment:\n${problems.map((p) => `  ${p.name}: ${p.message}`).join('\n')}`);
  }
  get hint(): string {
    return 'set or fix these variables in .env (see .env.example) or in the environment';
  }
}

/** `.env`-style file; a missing file is an empty one because every variable has a default or is generated. */
export function loadEnvFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  return parseEnv(text) as Record<string, string>;
}

/**
 * Validates `source` against envalid specs and returns the cleaned values. An empty value counts as unset, as
 * .env.example documents. All problems are collected and thrown as one EnvProblems; messages never echo a value,
 * because several of these variables are secrets.
 */
export function readEnv<S extends Record<string, unknown>>(specs: S, source: Record<string, string | undefined> = process.env): CleanedEnv<S> {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  return cleanEnv(present, specs, {
    reporter: ({ errors }) => {
      const problems = Object.entries(errors)
        .filter(([, e]) => e)
        .map(([name, e]) => ({ name, message: describe(e as Error) }));
      if (problems.length) throw new EnvProblems(problems);
    },
  });
}

function describe(e: Error): string {
  if (e instanceof ReferenceError) return 'is required but not set';
  // envalid's own messages for choices contain the value; keep only the list of admissible values.
  const choices = /not in choices \[(.*)\]/.exec(e.message);
  if (choices) return `must be one of ${choices[1]}`;
  return e.message.replace(/"[^"]*"/g, 'the value');
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
  if (!u.hostname) throw new Error('must name a host');
  return v;
});

const positiveInt = (max: number) =>
  makeValidator<number>((v) => {
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new Error(`must be a whole number from 1 to ${max}`);
    return Number(v);
  });

const quantity = makeValidator<string>((v) => {
  if (!/^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$/.test(v)) throw new Error('must be a storage size such as 1Gi or 512Mi');
  return v;
});

const imageRef = makeValidator<string>((v) => {
  if (!/^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?(@sha256:[a-f0-9]{64})?$/.test(v)) throw new Error('must be an image reference');
  if (/:latest$/.test(v) || !/[:@][^/]+$/.test(v)) throw new Error('must be pinned to a tag other than latest or a digest');
  return v;
});

const hostname = makeValidator<string>((v) => {
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v)) throw new Error('must be a DNS host name');
  return v;
});

const originList = makeValidator<string>((v) => {
  for (const o of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      new URL(o);
    } catch {
      throw new Error('must be a comma-separated list of origins such as https://todo.example.com');
    }
  }
  return v;
});

/** What `deploy.ts` reads from `.env` and the environment (the environment wins over the file). */
export const deployEnvSpecs = {
  DATABASE_URL: postgresUrl({ default: undefined, desc: 'external PostgreSQL; unset: the in-cluster StatefulSet' }),
  BETTER_AUTH_SECRET: secret(32)({ default: undefined, desc: 'generated once and kept in the Secret when unset' }),
  MCP_INTERNAL_TOKEN: secret(16)({ default: undefined, desc: 'generated once and kept in the Secret when unset' }),
  POSTGRES_PASSWORD: secret(12)({ default: undefined, desc: 'generated once and kept in the Secret when unset' }),
  OPENAI_API_KEY: secret(8)({ default: undefined, desc: 'unset: the built-in offline model' }),
  BETTER_AUTH_URL: url({ default: undefined, desc: 'origin the browser uses; default: the NodePort URL' }),
  TRUSTED_ORIGINS: originList({ default: '' }),
  OPENAI_BASE_URL: url({ default: 'https://api.openai.com/v1' }),
  OPENAI_MODEL: str({ default: 'gpt-4o-mini' }),
  AGENT_MAX_TURNS: positiveInt(50)({ default: 6 }),
  LOG_LEVEL: str({ choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace'], default: 'info' }),
  POSTGRES_IMAGE: imageRef({ default: 'postgres:17.6-alpine', desc: 'image of the in-cluster database' }),
  // The user the postgres image's files belong to: 70 in the official alpine images, 999 in the Debian ones.
  POSTGRES_UID: positiveInt(2 ** 31 - 1)({ default: 70 }),
  POSTGRES_STORAGE: quantity({ default: '1Gi', desc: 'size of the database volume' }),
  FRONTEND_REPLICAS: positiveInt(20)({ default: 1 }),
  BACKEND_REPLICAS: positiveInt(20)({ default: 1 }),
  MCP_SERVER_REPLICAS: positiveInt(20)({ default: 1 }),
  INGRESS_HOST: hostname({ default: undefined, desc: 'set to also create an Ingress for this host' }),
  INGRESS_CLASS: str({ default: 'nginx' }),
} as const;

export type DeployEnv = CleanedEnv<typeof deployEnvSpecs>;

export function readDeployEnv(envFile: string | undefined): DeployEnv {
  const fromFile = envFile ? loadEnvFile(envFile) : {};
  return readEnv(deployEnvSpecs, { ...fromFile, ...nonEmpty(process.env) });
}

function nonEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => Boolean(e[1])));
}

/** Variables that shape how the scripts behave rather than what they deploy. */
export const toolEnvSpecs = {
  CI: str({ default: '' }),
  NODE_IMAGE: imageRef({ default: undefined, desc: 'base image for the service images' }),
  // Where this shell's docker CLI points (e.g. after `eval $(minikube docker-env)`), to warn about a mismatch.
  DOCKER_HOST: str({ default: undefined }),
  MINIKUBE_ACTIVE_DOCKERD: str({ default: undefined }),
} as const;

export function readToolEnv(): CleanedEnv<typeof toolEnvSpecs> {
  return readEnv(toolEnvSpecs);
}

/** Environment for a child process: this process's environment plus `extra` (e.g. minikube's DOCKER_HOST). */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
