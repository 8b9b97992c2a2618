// `npm start`: the whole app on this machine with nothing to install or configure. PGlite in .data/, the offline
// model unless .env names a real one, backend and MCP server in this process (PGlite is single-process), the
// frontend as a child process.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { str, url } from 'envalid';
import { migrateDatabase, openDatabase } from '@todo/backend/db';
import { startBackend } from '@todo/backend/server';
import { startMcpServer } from '@todo/mcp-server/server';
import { isEntry } from './lib/args.js';
import { EnvProblems, loadEnvFile, readEnv } from './lib/env.js';
import { log } from './lib/log.js';

const root = resolve(import.meta.dirname, '..');
const ports = { frontend: 3000, backend: 8000, mcp: 8001 } as const;

export const startEnvSpecs = {
  DATABASE_URL: str({ default: undefined }),
  PGLITE_DIR: str({ default: '.data/pglite' }),
  BETTER_AUTH_SECRET: str({ default: undefined }),
  MCP_INTERNAL_TOKEN: str({ default: undefined }),
  TRUSTED_ORIGINS: str({ default: '' }),
  OPENAI_API_KEY: str({ default: undefined }),
  OPENAI_BASE_URL: url({ default: 'https://api.openai.com/v1' }),
  OPENAI_MODEL: str({ default: 'gpt-4o-mini' }),
  AGENT_MAX_TURNS: str({ default: '6' }),
  LOG_LEVEL: str({ choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'warn' }),
} as const;

/** Secrets made on the first run and kept in .data/, so sessions survive a restart. */
export function devSecrets(dataDir: string): { betterAuthSecret: string; mcpToken: string } {
  const file = resolve(dataDir, 'dev-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const secrets = { betterAuthSecret: randomBytes(32).toString('base64url'), mcpToken: randomBytes(24).toString('base64url') };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

/** The frontend's production server when it has been built, else the dev server. */
export function frontendCommand(frontendDir: string): { args: string[]; mode: 'built' | 'dev' } {
  const built = existsSync(resolve(frontendDir, '.next/BUILD_ID'));
  return built
    ? { args: ['run', 'start', '-w', '@todo/frontend'], mode: 'built' }
    : { args: ['run', 'dev', '-w', '@todo/frontend'], mode: 'dev' };
}

async function waitForHttp(target: string, timeoutMs: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(target, { signal: AbortSignal.timeout(2000) })).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function main(): Promise<void> {
  const env = readEnv(startEnvSpecs, { ...loadEnvFile(resolve(root, '.env')), ...definedEnv() });
  const dataDir = resolve(root, '.data');
  const secrets = devSecrets(dataDir);
  log.addSecret(secrets.betterAuthSecret);
  log.addSecret(secrets.mcpToken);
  const betterAuthSecret = env.BETTER_AUTH_SECRET ?? secrets.betterAuthSecret;
  const mcpToken = env.MCP_INTERNAL_TOKEN ?? secrets.mcpToken;
  const appUrl = `http://localhost:${ports.frontend}`;

  log.step('database');
  const db = env.DATABASE_URL
    ? await openDatabase({ url: env.DATABASE_URL })
    : await openDatabase({ dataDir: resolve(root, env.PGLITE_DIR) });
  await migrateDatabase(db);
  log.ok(env.DATABASE_URL ? 'PostgreSQL from DATABASE_URL, migrated' : `PGlite in ${env.PGLITE_DIR}, migrated`);

  log.step('services');
  const mcp = await startMcpServer({ db: db.db, port: ports.mcp, host: '127.0.0.1', token: mcpToken, logLevel: env.LOG_LEVEL });
  log.ok(`MCP server   ${mcp.url}`);
  const backend = await startBackend({
    db,
    port: ports.backend,
    host: '127.0.0.1',
    betterAuthSecret,
    betterAuthUrl: appUrl,
    trustedOrigins: env.TRUSTED_ORIGINS.split(',').map((s) => s.trim()).filter(Boolean),
    mcpServerUrl: mcp.url,
    mcpToken,
    openai: env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY, baseURL: env.OPENAI_BASE_URL, model: env.OPENAI_MODEL } : undefined,
    agentMaxTurns: Number(env.AGENT_MAX_TURNS),
    logLevel: env.LOG_LEVEL,
  });
  log.ok(`backend      ${backend.url}  (model: ${env.OPENAI_API_KEY ? env.OPENAI_MODEL : 'offline'})`);

  const { args, mode } = frontendCommand(resolve(root, 'frontend'));
  // The frontend inherits this environment (a key in it is harmless) plus where the backend listens.
  const frontend = spawn('npm', args, {
    cwd: root,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, BACKEND_URL: backend.url, PORT: String(ports.frontend) },
  });

  let stopping = false;
  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.step(`stopping (${reason})`);
    // npm runs Next.js in a child of its own: signal the whole group.
    if (frontend.exitCode === null && frontend.pid) {
      try {
        process.kill(-frontend.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    await backend.close();
    await mcp.close();
    await db.close();
    log.ok('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('Ctrl-C', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  frontend.on('exit', (code, signal) => {
    if (!stopping) void stop(`frontend exited with ${signal ?? code}`, 1);
  });

  const progress = log.progress(`frontend (${mode === 'built' ? 'production build' : 'dev server'}) on ${appUrl}`);
  if (await waitForHttp(`http://127.0.0.1:${ports.frontend}/api/health`, 180_000, frontend)) {
    progress.done(`frontend     ${appUrl}`);
    log.info(`\n  Open ${appUrl} and sign up. Press Ctrl-C to stop.\n`);
  } else if (!stopping) {
    progress.fail('frontend did not answer /api/health within 180 s; the API still runs');
    log.info(`  API: ${backend.url} (see docs/api.md)`);
  }
}

/** Variables set in the environment win over .env; empty ones count as unset. */
function definedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => Boolean(e[1])));
}

if (isEntry(import.meta.url)) {
  main().catch((err: unknown) => {
    if (err instanceof EnvProblems) log.fail(`${err.message}\n${err.hint}`);
    else if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      log.fail(`a port is taken (${(err as Error).message}); npm start needs ${Object.values(ports).join(', ')} free`);
    } else log.fail(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
