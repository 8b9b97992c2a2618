// Builds the frontend once (when its sources are newer than the last build) and runs the standalone server the
// way the image does: `node .next/standalone/frontend/server.js` with PORT and BACKEND_URL, nothing else.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const frontendDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoRoot = path.resolve(frontendDir, '..');
const nextDir = path.join(frontendDir, '.next');
export const serverScript = path.join(nextDir, 'standalone', 'frontend', 'server.js');
const buildIdFile = path.join(nextDir, 'BUILD_ID');
const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.ts', 'package.json', 'tsconfig.json'];

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target).reduce((max, name) => Math.max(max, newestMtime(path.join(target, name))), stat.mtimeMs);
}

function isStale(): boolean {
  if (!existsSync(serverScript) || !existsSync(buildIdFile)) return true;
  const built = statSync(buildIdFile).mtimeMs;
  return SOURCES.some((source) => newestMtime(path.join(frontendDir, source)) > built);
}

/** Runs `next build` if needed, then places static assets beside the standalone server as the image does. */
export function ensureStandaloneBuild(log: (line: string) => void = console.log): void {
  if (isStale()) {
    log('building the frontend (next build)…');
    const nextBin = createRequire(path.join(frontendDir, 'package.json')).resolve('next/dist/bin/next');
    const build = spawnSync(process.execPath, [nextBin, 'build'], {
      cwd: frontendDir,
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (build.status !== 0) {
      throw new Error(`next build failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
    }
  }
  const standaloneApp = path.join(nextDir, 'standalone', 'frontend');
  rmSync(path.join(standaloneApp, '.next', 'static'), { recursive: true, force: true });
  cpSync(path.join(nextDir, 'static'), path.join(standaloneApp, '.next', 'static'), { recursive: true });
  const publicDir = path.join(frontendDir, 'public');
  if (existsSync(publicDir)) cpSync(publicDir, path.join(standaloneApp, 'public'), { recursive: true });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export type RunningFrontend = { url: string; port: number; output: () => string; close: () => Promise<void> };

export async function startStandaloneFrontend(options: { backendUrl: string; port?: number }): Promise<RunningFrontend> {
  const port = options.port ?? (await freePort());
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [serverScript], {
    cwd: path.dirname(serverScript),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      NEXT_TELEMETRY_DISABLED: '1',
      PORT: String(port),
      HOSTNAME: '127.0.0.1',
      BACKEND_URL: options.backendUrl,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`frontend server exited with ${child.exitCode}:\n${output}`);
    const ok = await fetch(`${url}/api/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`frontend server did not answer /api/health within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    output: () => output,
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
