// The three service images, built from their Dockerfiles the way a user builds them (only the base image substituted
// by build-arg, since no registry is reachable here), then inspected, scanned and run the way the cluster runs them:
// read-only root, no capabilities, a numeric non-root user, against a real PostgreSQL, talking to each other by name.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { $ } from 'zx';
import { buildImages, components, imageSizes, megabytes, type BuiltImage, type Component } from '../../scripts/lib/images.js';
import { createLogger, formatTable } from '../../scripts/lib/log.js';
import { describeTier } from '../lib/tier.js';
import { dockerEnv, dockerPrerequisites } from './lib/engine.js';
import { postgresPrerequisites, startPrivatePostgres, type PrivatePostgres } from './lib/postgres.js';
import { tarEntries } from './lib/tar.js';
import { makeBaseImage } from './make-base-image.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const missing = [...(await dockerPrerequisites()), ...postgresPrerequisites()];
const docker = $({ env: dockerEnv(), quiet: true });
const log = createLogger();
const suffix = randomBytes(4).toString('hex');

// Values a developer's checkout could hold in .env files next to the sources; none may reach an image.
const planted = {
  BETTER_AUTH_SECRET: `planted-auth-${randomBytes(16).toString('hex')}`,
  OPENAI_API_KEY: `sk-planted-${randomBytes(16).toString('hex')}`,
  MCP_INTERNAL_TOKEN: `planted-mcp-${randomBytes(16).toString('hex')}`,
  DATABASE_URL: `postgres://todo:planted-${randomBytes(12).toString('hex')}@db.example.com/todo`,
};
const plantedFiles = ['.env', '.env.local', 'backend/.env', 'mcp_server/.env.production', 'frontend/.env.local'];
// The secrets the running containers get, through --env-file only (never on a command line).
const runtime = {
  BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
  MCP_INTERNAL_TOKEN: randomBytes(24).toString('base64url'),
};

/** The user's checkout as git sees it (tracked and new files, nothing ignored), plus .env files full of secrets. */
async function copyCheckout(): Promise<string> {
  const target = await mkdtemp(path.join(tmpdir(), 'todo-images-context-'));
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot })
    .toString()
    .split('\0')
    .filter(Boolean);
  for (const file of listed) {
    await mkdir(path.dirname(path.join(target, file)), { recursive: true });
    await copyFile(path.join(repoRoot, file), path.join(target, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the working tree but still tracked
    });
  }
  const dotenv = Object.entries(planted).map(([k, v]) => `${k}=${v}`).join('\n');
  for (const file of plantedFiles) await writeFile(path.join(target, file), `${dotenv}\n`);
  return target;
}

async function imageConfig(ref: string): Promise<{
  User: string;
  Env: string[];
  Cmd: string[] | null;
  Entrypoint: string[] | null;
  Healthcheck?: { Test: string[] };
}> {
  const out = await docker`docker image inspect --format ${'{{json .Config}}'} ${ref}`;
  return JSON.parse(out.stdout);
}

/** A layer inside a `docker save` archive: `<id>/layer.tar` (Docker 20.10) or an OCI blob, possibly gzipped. */
function layerArchive(data: Buffer): Buffer | undefined {
  const archive = data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data;
  return archive.subarray(257, 262).toString('latin1') === 'ustar' ? archive : undefined;
}

describeTier('docker', missing, 'service images', () => {
  let context: string;
  let baseImage: string;
  let built: BuiltImage[];
  const ref = (component: Component) => built.find((b) => b.component === component)!.ref;

  beforeAll(async () => {
    context = await copyCheckout();
    baseImage = await makeBaseImage({ env: dockerEnv() });
    const started = Date.now();
    built = await buildImages({ root: context, baseImage, dockerEnv: dockerEnv(), log });
    console.log(
      `\nimages on ${baseImage} (${((Date.now() - started) / 1000).toFixed(0)} s in all)\n` +
        formatTable(
          ['component', 'image', 'build'],
          built.map((b) => [b.component, b.ref, b.built ? `${b.seconds.toFixed(1)} s` : 'cached (inputs unchanged)']),
        ),
    );
  });

  afterAll(async () => {
    if (context) await rm(context, { recursive: true, force: true });
  });

  it('skips every build when nothing changed, through the command a user runs', async () => {
    // The checkout copy has no dependencies installed; borrow the repository's (kept out of the build context anyway).
    await symlink(path.join(repoRoot, 'node_modules'), path.join(context, 'node_modules'));
    const again = await $({ cwd: context, env: dockerEnv(), quiet: true })`npx tsx scripts/images.ts build --base-image ${baseImage}`;
    expect(again.stdout.trim().split('\n')).toEqual(built.map((b) => b.ref));
    expect(again.stderr).not.toMatch(/Step \d+\/\d+/);
    const sizes = await $({ cwd: context, env: dockerEnv(), quiet: true })`npx tsx scripts/images.ts sizes --base-image ${baseImage}`;
    for (const b of built) expect(sizes.stdout).toContain(b.ref);
  });

  it('runs as a numeric non-root user, checks its health with node, and starts node directly', async () => {
    for (const component of components) {
      const config = await imageConfig(ref(component));
      expect(config.User, component).toMatch(/^[1-9]\d*:\d+$/);
      expect(config.Healthcheck?.Test.join(' '), component).toMatch(/^CMD node -e .*fetch\(/);
      expect(config.Entrypoint ?? [], component).toEqual([]);
      expect(config.Cmd?.[0], component).toBe('node');
      expect(config.Env.join('\n'), component).not.toMatch(/SECRET|TOKEN|PASSWORD|API_KEY/);
    }
  });

  it('adds no more than its budget on top of the base image', async () => {
    const sizes = await imageSizes({ root: context, baseImage, dockerEnv: dockerEnv() });
    console.log(
      `\n${formatTable(
        ['component', 'total MB', 'base MB', 'added MB', 'budget MB'],
        sizes.map((s) => [s.component, megabytes(s.total), megabytes(s.base), megabytes(s.added), s.budgetMB]),
      )}`,
    );
    for (const s of sizes) {
      expect(s.added, s.component).toBeDefined();
      expect(s.added!, `${s.component} adds ${megabytes(s.added)} MB`).toBeLessThanOrEqual(s.budgetMB * 1e6);
    }
  });

  it('ships no package manager', async () => {
    const probe =
      "const fs=require('fs');" +
      "const found=['/usr/local/lib/node_modules/npm','/usr/local/lib/node_modules/corepack','/usr/local/bin/npm'," +
      "'/usr/local/bin/npx','/usr/local/bin/corepack','/usr/local/bin/yarn','/usr/bin/npm','/usr/bin/apt-get','/usr/bin/dpkg']" +
      '.filter((p)=>{try{fs.lstatSync(p);return true}catch{return false}});console.log(JSON.stringify(found))';
    for (const component of components) {
      const out = await docker`docker run --rm --read-only --cap-drop ALL --user 1000:1000 ${ref(component)} node -e ${probe}`;
      expect(JSON.parse(out.stdout), component).toEqual([]);
    }
  });

  it('bakes no secret and no .env file into any layer', async () => {
    const secrets = [...Object.values(planted), ...Object.values(runtime)].map((s) => Buffer.from(s));
    const dir = await mkdtemp(path.join(tmpdir(), 'todo-images-save-'));
    const findings: string[] = [];
    const scannedLayers = new Set<string>();
    let files = 0;
    try {
      for (const component of components) {
        const archive = path.join(dir, `${component}.tar`);
        await docker`docker save --output ${archive} ${ref(component)}`;
        for (const entry of tarEntries(await readFile(archive))) {
          const inImage = `${component}:${entry.name}`;
          const layer = layerArchive(entry.data);
          if (layer) {
            // Base layers are shared by all three images; scan each layer once.
            if (scannedLayers.has(entry.name)) continue;
            scannedLayers.add(entry.name);
            for (const file of tarEntries(layer)) {
              files++;
              if (/(^|\/)\.env($|\.)/.test(file.name)) findings.push(`${inImage}: ${file.name} is a .env file`);
              if (secrets.some((s) => file.data.includes(s))) findings.push(`${inImage}: ${file.name} holds a test secret`);
            }
          } else if (secrets.some((s) => entry.data.includes(s))) {
            // Image config and history: ENV, labels, build arguments, commands.
            findings.push(`${inImage} holds a test secret`);
          }
        }
        await rm(archive);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    console.log(`scanned ${scannedLayers.size} layers, ${files} files, for ${secrets.length} secret values and .env files`);
    expect(files).toBeGreaterThan(100);
    expect(findings).toEqual([]);
  });

  describe('running read-only, without capabilities, as uid 1000', () => {
    const network = `todo-test-${suffix}`;
    const names = { mcp: `todo-test-mcp-${suffix}`, backend: `todo-test-backend-${suffix}`, frontend: `todo-test-frontend-${suffix}` };
    let postgres: PrivatePostgres;
    let envDir: string;
    const urls = { backend: '', frontend: '', mcp: '' };
    let token = '';
    let userId = '';

    const hardening = ['--read-only', '--tmpfs', '/tmp:rw,nosuid,nodev,size=64m', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--user', '1000:1000'];

    async function envFile(name: string, values: Record<string, string>): Promise<string> {
      const file = path.join(envDir, name);
      await writeFile(file, Object.entries(values).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
      return file;
    }

    async function startService(name: string, alias: string, image: string, env: string): Promise<string> {
      // The image's own HEALTHCHECK command, probed every second instead of every 30 s so the test does not wait.
      await docker`docker run --detach --name ${name} --network ${network} --network-alias ${alias} ${hardening} --env-file ${env} --health-interval 1s --health-start-period 60s ${image}`;
      const deadline = Date.now() + 90_000;
      for (;;) {
        const state = JSON.parse((await docker`docker inspect --format ${'{{json .State}}'} ${name}`).stdout) as {
          Status: string;
          Health?: { Status: string };
        };
        if (state.Health?.Status === 'healthy') break;
        if (state.Status === 'exited' || Date.now() > deadline) {
          const logs = await docker`docker logs --tail 40 ${name}`.nothrow();
          throw new Error(`${alias} did not become healthy (${state.Status}/${state.Health?.Status}):\n${logs.stdout}${logs.stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const ip = (await docker`docker inspect --format ${`{{(index .NetworkSettings.Networks "${network}").IPAddress}}`} ${name}`).stdout.trim();
      return ip;
    }

    async function api(base: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(`${base}${route}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: response.status, headers: response.headers, json: json as any };
    }

    beforeAll(async () => {
      envDir = await mkdtemp(path.join(tmpdir(), 'todo-images-env-'));
      await docker`docker network create ${network}`;
      const gateway = (await docker`docker network inspect --format ${'{{(index .IPAM.Config 0).Gateway}}'} ${network}`).stdout.trim();
      // The server listens on this network's gateway only: reachable from the containers, not from elsewhere.
      postgres = await startPrivatePostgres({ listen: `127.0.0.1,${gateway}` });
      const databaseUrl = postgres.url(gateway);

      const migrateEnv = await envFile('migrate.env', { DATABASE_URL: databaseUrl });
      const migrate = await docker`docker run --rm --network ${network} ${hardening} --env-file ${migrateEnv} ${ref('backend')} node dist/migrate.js`;
      expect(migrate.stdout).toMatch(/migrations applied|up to date/);

      const mcpEnv = await envFile('mcp.env', {
        DATABASE_URL: databaseUrl,
        MCP_INTERNAL_TOKEN: runtime.MCP_INTERNAL_TOKEN,
        MCP_ALLOWED_HOSTS: 'mcp-server',
      });
      urls.mcp = `http://${await startService(names.mcp, 'mcp-server', ref('mcp_server'), mcpEnv)}:8001`;

      const backendEnv = await envFile('backend.env', {
        DATABASE_URL: databaseUrl,
        BETTER_AUTH_SECRET: runtime.BETTER_AUTH_SECRET,
        BETTER_AUTH_URL: 'http://localhost:3000',
        MCP_SERVER_URL: 'http://mcp-server:8001/mcp',
        MCP_INTERNAL_TOKEN: runtime.MCP_INTERNAL_TOKEN,
      });
      urls.backend = `http://${await startService(names.backend, 'backend', ref('backend'), backendEnv)}:8000`;

      const frontendEnv = await envFile('frontend.env', { BACKEND_URL: 'http://backend:8000' });
      urls.frontend = `http://${await startService(names.frontend, 'frontend', ref('frontend'), frontendEnv)}:3000`;
    });

    afterAll(async () => {
      for (const name of Object.values(names)) await docker`docker rm --force ${name}`.nothrow();
      await docker`docker network rm ${network}`.nothrow();
      await postgres?.stop();
      if (envDir) await rm(envDir, { recursive: true, force: true });
    });

    it('migrates again as a no-op', async () => {
      const migrateEnv = path.join(envDir, 'migrate.env');
      const again = await docker`docker run --rm --network ${network} ${hardening} --env-file ${migrateEnv} ${ref('backend')} node dist/migrate.js`;
      expect(again.stdout).toMatch(/up to date/);
    });

    it('answers health and readiness', async () => {
      expect((await api(urls.backend, 'GET', '/health')).status).toBe(200);
      expect((await api(urls.backend, 'GET', '/ready')).status).toBe(200);
      expect((await api(urls.mcp, 'GET', '/health')).status).toBe(200);
      expect((await api(urls.frontend, 'GET', '/api/health')).status).toBe(200);
    });

    it('keeps the MCP server closed to callers without the internal token', async () => {
      // From inside the network, by the service name the backend uses, so only the token is missing.
      const probe =
        "fetch('http://mcp-server:8001/mcp',{method:'POST',headers:{'content-type':'application/json'," +
        "accept:'application/json, text/event-stream'},body:JSON.stringify({jsonrpc:'2.0',id:1,method:'tools/list'})})" +
        '.then((r)=>console.log(r.status))';
      const out = await docker`docker run --rm --network ${network} ${hardening} ${ref('mcp_server')} node -e ${probe}`;
      expect(out.stdout.trim()).toBe('401');
    });

    it("serves a signed-up user's task API", async () => {
      const email = `images-${suffix}@example.com`;
      // Better Auth checks the Origin of credential requests in production, as a browser on the app's origin sends it.
      const signUp = await api(
        urls.backend,
        'POST',
        '/api/auth/sign-up/email',
        { email, password: `pw-${suffix}-long-enough`, name: 'Images Test' },
        { origin: 'http://localhost:3000' },
      );
      expect(signUp.status, JSON.stringify(signUp.json)).toBe(200);
      token = signUp.headers.get('set-auth-token') ?? signUp.json.token;
      userId = signUp.json.user.id;
      expect(token).toBeTruthy();

      const created = await api(urls.backend, 'POST', `/api/${userId}/tasks`, { title: 'ship the images' });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      const id = created.json.id;
      const listed = await api(urls.backend, 'GET', `/api/${userId}/tasks`);
      expect(listed.json.map((t: { title: string }) => t.title)).toContain('ship the images');
      const completed = await api(urls.backend, 'PATCH', `/api/${userId}/tasks/${id}/complete`);
      expect(completed.status).toBe(200);
      expect(completed.json.completed).toBe(true);
      expect((await api(urls.backend, 'DELETE', `/api/${userId}/tasks/${id}`)).status).toBeLessThan(300);
      expect((await api(urls.backend, 'GET', `/api/${userId}/tasks/${id}`)).status).toBe(404);
    });

    it('answers a chat turn through the MCP server with the offline model', async () => {
      const turn = await api(urls.backend, 'POST', `/api/${userId}/chat`, { message: 'add buy milk' });
      expect(turn.status, JSON.stringify(turn.json)).toBe(200);
      expect(turn.json.conversation_id).toEqual(expect.any(Number));
      expect(JSON.stringify(turn.json.tool_calls)).toContain('add_task');
      const listed = await api(urls.backend, 'GET', `/api/${userId}/tasks`);
      expect(listed.json.map((t: { title: string }) => t.title.toLowerCase())).toContain('buy milk');
    });

    it('forwards API calls from the frontend to the backend container', async () => {
      const listed = await api(urls.frontend, 'GET', `/api/${userId}/tasks`);
      expect(listed.status).toBe(200);
      expect(listed.json.map((t: { title: string }) => t.title.toLowerCase())).toContain('buy milk');
      token = '';
      const signIn = await api(
        urls.frontend,
        'POST',
        '/api/auth/sign-in/email',
        { email: `images-${suffix}@example.com`, password: `pw-${suffix}-long-enough` },
        { origin: urls.frontend },
      );
      expect(signIn.status, JSON.stringify(signIn.json)).toBe(200);
      expect(signIn.json.user.id).toBe(userId);
      expect((await api(urls.frontend, 'GET', `/api/${userId}/tasks`)).status).toBe(401);
      token = signIn.headers.get('set-auth-token') ?? signIn.json.token;
      expect((await api(urls.frontend, 'GET', `/api/${userId}/tasks`)).status).toBe(200);
      const page = await fetch(`${urls.frontend}/`, { redirect: 'manual' });
      expect(page.status).toBeLessThan(500);
    });

    it('wrote nothing outside /tmp and logged no permission errors', async () => {
      for (const [service, name] of Object.entries(names)) {
        const state = (await docker`docker inspect --format ${'{{.State.Status}} {{.State.Health.Status}}'} ${name}`).stdout.trim();
        expect(state, service).toBe('running healthy');
        const logs = await docker`docker logs ${name}`;
        expect(`${logs.stdout}${logs.stderr}`, service).not.toMatch(/EROFS|EACCES|read-only file system/i);
      }
    });
  });
});
