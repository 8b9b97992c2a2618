import { randomBytes } from 'node:crypto';
import type { DeployEnv } from './env.js';

export const secretName = 'todo-secrets';

/** Every key deploy.ts may put in the Secret; manifests may reference no other. */
export const secretKeys = ['BETTER_AUTH_SECRET', 'MCP_INTERNAL_TOKEN', 'POSTGRES_PASSWORD', 'DATABASE_URL', 'OPENAI_API_KEY'] as const;
export type SecretKey = (typeof secretKeys)[number];

export interface SecretPlan {
  data: Partial<Record<SecretKey, string>>;
  generated: SecretKey[];
  /** Keys whose value came from the Secret already in the cluster. */
  kept: SecretKey[];
  warnings: string[];
}

export const generateSecret = (): string => randomBytes(32).toString('base64url');

/**
 * Decides the Secret's values: a value given in .env/the environment wins; otherwise the value already in the
 * cluster is kept (so sessions, the MCP token and the database password survive redeploys); otherwise one is
 * generated. The in-cluster database's URL is derived from its password.
 */
export function planSecret(env: DeployEnv, existing: Record<string, string>, generate: () => string = generateSecret): SecretPlan {
  const plan: SecretPlan = { data: {}, generated: [], kept: [], warnings: [] };
  const pick = (key: SecretKey, given: string | undefined) => {
    if (given) plan.data[key] = given;
    else if (existing[key]) {
      plan.data[key] = existing[key];
      plan.kept.push(key);
    } else {
      plan.data[key] = generate();
      plan.generated.push(key);
    }
  };
  pick('BETTER_AUTH_SECRET', env.BETTER_AUTH_SECRET);
  pick('MCP_INTERNAL_TOKEN', env.MCP_INTERNAL_TOKEN);
  if (env.DATABASE_URL) {
    plan.data.DATABASE_URL = env.DATABASE_URL;
  } else {
    pick('POSTGRES_PASSWORD', env.POSTGRES_PASSWORD);
    if (env.POSTGRES_PASSWORD && existing.POSTGRES_PASSWORD && env.POSTGRES_PASSWORD !== existing.POSTGRES_PASSWORD) {
      plan.warnings.push(
        'POSTGRES_PASSWORD differs from the one in the cluster; the database volume keeps the password it was created with (teardown --purge to start over)',
      );
    }
    plan.data.DATABASE_URL = `postgres://todo:${encodeURIComponent(plan.data.POSTGRES_PASSWORD!)}@postgres:5432/todo`;
  }
  if (env.OPENAI_API_KEY) plan.data.OPENAI_API_KEY = env.OPENAI_API_KEY;
  return plan;
}

/** The `--from-env-file` text kubectl reads on stdin: KEY=value lines, taken literally. */
export function toEnvFile(data: Record<string, string | undefined>): string {
  return Object.entries(data)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => {
      if (/[\r\n]/.test(v)) throw new Error(`${k} must be a single line`);
      return `${k}=${v}\n`;
    })
    .join('');
}

/** Values of a Secret from `kubectl get secret -o json`. */
export function decodeSecret(json: { data?: Record<string, string> } | null): Record<string, string> {
  return Object.fromEntries(Object.entries(json?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
}
