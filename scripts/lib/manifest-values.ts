import type { DeployEnv } from './env.js';
import { sha256, type ManifestValues } from './render.js';

export interface ValueInputs {
  namespace: string;
  images: { frontend: string; backend: string; mcp_server: string };
  env: DeployEnv;
  nodePort: number;
  /** Where the browser reaches the frontend (printed at the end of a deploy); BETTER_AUTH_URL overrides it. */
  appUrl: string;
  /** sha256 of DATABASE_URL as stored in the Secret: a new database needs its own migrate Job. */
  databaseUrlDigest: string;
}

export const defaultNodePort = 30080;

/** Every `${VAR}` the manifests may use, with its value for this environment (undefined = not set here). */
export function manifestValues(i: ValueInputs): ManifestValues {
  const betterAuthUrl = i.env.BETTER_AUTH_URL ?? i.appUrl;
  // The NodePort reached through a port-forward or `minikube service` is the same app under another origin.
  const origins = [betterAuthUrl, i.appUrl, `http://localhost:${i.nodePort}`, `http://127.0.0.1:${i.nodePort}`];
  return {
    NAMESPACE: i.namespace,
    FRONTEND_IMAGE: i.images.frontend,
    BACKEND_IMAGE: i.images.backend,
    MCP_SERVER_IMAGE: i.images.mcp_server,
    POSTGRES_IMAGE: i.env.POSTGRES_IMAGE,
    POSTGRES_UID: i.env.POSTGRES_UID,
    POSTGRES_STORAGE: i.env.POSTGRES_STORAGE,
    FRONTEND_REPLICAS: i.env.FRONTEND_REPLICAS,
    BACKEND_REPLICAS: i.env.BACKEND_REPLICAS,
    MCP_SERVER_REPLICAS: i.env.MCP_SERVER_REPLICAS,
    NODE_PORT: i.nodePort,
    LOG_LEVEL: i.env.LOG_LEVEL,
    BETTER_AUTH_URL: betterAuthUrl,
    TRUSTED_ORIGINS: [...new Set([...i.env.TRUSTED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean), ...origins])].join(','),
    OPENAI_BASE_URL: i.env.OPENAI_BASE_URL,
    OPENAI_MODEL: i.env.OPENAI_MODEL,
    AGENT_MAX_TURNS: i.env.AGENT_MAX_TURNS,
    MODEL_API_PORT: modelApiPort(i.env.OPENAI_BASE_URL),
    MIGRATE_SUFFIX: migrateSuffix(i.images.backend, i.databaseUrlDigest),
    INGRESS_HOST: i.env.INGRESS_HOST,
    INGRESS_CLASS: i.env.INGRESS_CLASS,
  };
}

export function modelApiPort(baseUrl: string): number {
  const u = new URL(baseUrl);
  return u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443;
}

/** `<image tag>-<database>`: a Job name is at most 63 characters and must be a DNS label. */
export function migrateSuffix(backendImage: string, databaseUrlDigest: string): string {
  const last = backendImage.slice(backendImage.lastIndexOf('/') + 1);
  const tag = last.includes('@') ? last.split('@sha256:')[1] ?? '' : last.split(':')[1] ?? '';
  const clean = tag.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || sha256(backendImage).slice(0, 12);
  return `${clean}-${databaseUrlDigest.slice(0, 8)}`;
}
