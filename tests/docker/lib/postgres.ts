// A private PostgreSQL server for one test run, from the machine's own Debian `postgresql` binaries: a fresh data
// folder in a temp dir, an ephemeral port, password auth, listening where containers on a docker network reach it.
// Nothing of the machine's own clusters is touched.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function postgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined;
}

export function postgresPrerequisites(): string[] {
  if (!postgresBinDir()) return ["PostgreSQL server binaries (apt-get install -y postgresql; the tests start their own server)"];
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) {
    return ['a `postgres` system user to run the server as (created by the postgresql package)'];
  }
  return [];
}

export interface PrivatePostgres {
  port: number;
  user: string;
  password: string;
  database: string;
  /** Connection string for a client that reaches this machine at `host`. */
  url(host: string): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function run(command: string, args: string[], options: { uid?: number; gid?: number }): void {
  const result = spawnSync(command, args, { ...options, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${path.basename(command)} failed: ${result.stderr || result.error?.message}`);
}

export async function startPrivatePostgres(options: { listen: string }): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  // PostgreSQL refuses to run as root.
  const owner =
    process.getuid?.() === 0
      ? {
          uid: Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
          gid: Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()),
        }
      : {};
  const dir = await mkdtemp(path.join(tmpdir(), 'todo-pg-'));
  const data = path.join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  const passwordFile = path.join(dir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner.uid !== undefined) {
    await chown(dir, owner.uid, owner.gid!);
    await chown(passwordFile, owner.uid, owner.gid!);
  }
  await chmod(dir, 0o700);

  const user = 'todo';
  run(path.join(bin, 'initdb'), ['-D', data, '-U', user, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'], owner);
  await appendFile(path.join(data, 'pg_hba.conf'), 'host all all 0.0.0.0/0 scram-sha-256\n');
  const port = await freePort();
  const server: ChildProcess = spawn(
    path.join(bin, 'postgres'),
    ['-D', data, '-p', String(port), '-c', `listen_addresses=${options.listen}`, '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off'],
    { ...owner, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
    const ready = spawnSync(path.join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    if (ready.status === 0) break;
    if (Date.now() > deadline) throw new Error(`postgres did not become ready: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }

  return {
    port,
    user,
    password,
    database: 'postgres',
    url: (host) => `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/postgres`,
    async stop() {
      if (server.exitCode === null) {
        server.kill('SIGINT');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
