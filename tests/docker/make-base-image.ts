// Makes a stand-in for the official `node:<version>-bookworm-slim` image from this machine's own Node runtime, for
// machines that cannot pull from a registry (CI here). It keeps the official layout the Dockerfiles rely on: node at
// /usr/local/bin/node, npm and corepack under /usr/local/lib/node_modules, a `node` user with uid 1000, /bin/sh, and
// the CA bundle at /etc/ssl/certs/ca-certificates.crt. Usage: `npx tsx tests/docker/make-base-image.ts [--rebuild]`;
// prints the image reference on stdout. As root or under CI=true it starts dockerd when none is running.
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { $ } from 'zx';
import { dockerEnv, dockerPrerequisites } from './lib/engine.js';

export const baseImageRepository = 'todo-node-base';

// The tools a Dockerfile's RUN steps and npm's script runner call. The official image has the whole of Debian's
// coreutils; these are the ones our Dockerfiles use, plus a few that make a shell in the build stage usable.
const hostTools = ['sh', 'rm', 'mkdir', 'cp', 'mv', 'ln', 'chmod', 'chown', 'cat', 'ls', 'env', 'id', 'touch', 'find'];

export function baseImageRef(): string {
  return `${baseImageRepository}:${process.versions.node}`;
}

export interface MakeBaseImageOptions {
  rebuild?: boolean;
  env?: NodeJS.ProcessEnv;
}

export async function makeBaseImage(options: MakeBaseImageOptions = {}): Promise<string> {
  const ref = baseImageRef();
  const docker = $({ env: options.env ?? process.env, quiet: true });
  if (!options.rebuild && (await docker`docker image inspect ${ref}`.nothrow()).exitCode === 0) return ref;

  const context = await mkdtemp(path.join(tmpdir(), 'todo-node-base-'));
  try {
    const rootfs = path.join(context, 'rootfs');
    await writeRootfs(rootfs);
    await writeFile(path.join(context, 'Dockerfile'), dockerfile());
    await docker({ env: { ...(options.env ?? process.env), DOCKER_BUILDKIT: '0' } })`docker build --quiet --tag ${ref} ${context}`;
    return ref;
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

function dockerfile(): string {
  return [
    'FROM scratch',
    'COPY rootfs/ /',
    'RUN chmod 1777 /tmp && chown 1000:1000 /home/node',
    `ENV NODE_VERSION=${process.versions.node}`,
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    // The machine reaches the npm registry through a proxy whose CA is only in the system bundle; the official image
    // needs no such setting because it talks to the registry directly.
    'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt',
    'CMD ["node"]',
    '',
  ].join('\n');
}

async function writeRootfs(rootfs: string): Promise<void> {
  const nodeBinary = process.execPath;
  // Node's own layout: <prefix>/bin/node and <prefix>/lib/node_modules/{npm,corepack}.
  const globalModules = path.resolve(path.dirname(nodeBinary), '..', 'lib', 'node_modules');

  await mkdir(path.join(rootfs, 'usr/local/bin'), { recursive: true });
  await copyFile(nodeBinary, path.join(rootfs, 'usr/local/bin/node'));
  await chmod(path.join(rootfs, 'usr/local/bin/node'), 0o755);
  await mkdir(path.join(rootfs, 'usr/local/lib/node_modules'), { recursive: true });
  for (const tool of ['npm', 'corepack']) {
    execFileSync('cp', ['-a', path.join(globalModules, tool), path.join(rootfs, 'usr/local/lib/node_modules', tool)]);
  }
  const links: Record<string, string> = {
    npm: '../lib/node_modules/npm/bin/npm-cli.js',
    npx: '../lib/node_modules/npm/bin/npx-cli.js',
    corepack: '../lib/node_modules/corepack/dist/corepack.js',
  };
  for (const [name, target] of Object.entries(links)) await symlink(target, path.join(rootfs, 'usr/local/bin', name));

  const binaries = [nodeBinary, ...hostTools.map((tool) => execFileSync('sh', ['-c', `command -v ${tool}`]).toString().trim())];
  const files = new Set<string>();
  for (const binary of binaries) {
    files.add(binary);
    for (const library of sharedLibraries(binary)) files.add(library);
  }
  files.delete(nodeBinary);
  for (const file of files) await copyWithLinks(file, rootfs);
  // A system whose /bin is a link must keep /bin/sh resolvable through it, as Debian's merged /usr does.
  await copyWithLinks('/bin/sh', rootfs);
  await copyWithLinks('/etc/ssl/certs/ca-certificates.crt', rootfs);

  await mkdir(path.join(rootfs, 'etc'), { recursive: true });
  await writeFile(
    path.join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
  );
  await writeFile(path.join(rootfs, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n');
  await writeFile(path.join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  await copyFile('/etc/os-release', path.join(rootfs, 'etc/os-release')).catch(() => undefined);
  for (const dir of ['tmp', 'root', 'home/node']) await mkdir(path.join(rootfs, dir), { recursive: true });
}

function sharedLibraries(binary: string): string[] {
  const output = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libraries: string[] = [];
  for (const line of output.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) libraries.push(match[1]);
  }
  return libraries;
}

// Copies a file to the same path under rootfs, recreating every symbolic link met on the way (directory links such as
// /lib -> usr/lib as well as file links such as libstdc++.so.6 -> libstdc++.so.6.0.30), so the dynamic loader finds
// each library at the path ldd reported.
async function copyWithLinks(file: string, rootfs: string, depth = 0): Promise<void> {
  if (depth > 40) throw new Error(`too many symbolic links resolving ${file}`);
  const parts = file.split('/').filter(Boolean);
  let current = '/';
  for (let index = 0; index < parts.length; index++) {
    const next = path.join(current, parts[index]!);
    const stats = await lstat(next);
    const target = path.join(rootfs, next);
    if (stats.isSymbolicLink()) {
      const link = await readlink(next);
      await mkdir(path.dirname(target), { recursive: true });
      if (!(await exists(target))) await symlink(link, target);
      const rest = parts.slice(index + 1).join('/');
      const resolved = path.resolve(path.dirname(next), link);
      return copyWithLinks(rest ? path.join(resolved, rest) : resolved, rootfs, depth + 1);
    }
    if (index === parts.length - 1) {
      await mkdir(path.dirname(target), { recursive: true });
      if (!(await exists(target))) {
        await copyFile(next, target);
        await chmod(target, stats.mode & 0o7777);
      }
      return;
    }
    current = next;
  }
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

async function main(): Promise<void> {
  const usage = 'usage: npx tsx tests/docker/make-base-image.ts [--rebuild]\n  prints the reference of the local Node base image';
  let rebuild = false;
  try {
    const { values } = parseArgs({ options: { rebuild: { type: 'boolean' }, help: { type: 'boolean' } } });
    if (values.help) {
      console.log(usage);
      return;
    }
    rebuild = values.rebuild ?? false;
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
  const missing = await dockerPrerequisites();
  if (missing.length) throw new Error(`cannot make the base image without ${missing.join('; ')}`);
  console.log(await makeBaseImage({ rebuild, env: dockerEnv() }));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
