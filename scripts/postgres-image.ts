// Makes a PostgreSQL image from this machine's Debian `postgresql` package, for clusters that cannot pull the official
// image (no Docker Hub). It behaves like the official image where the manifests rely on it: POSTGRES_USER,
// POSTGRES_PASSWORD and POSTGRES_DB initialise an empty PGDATA, `pg_isready` is on PATH, and it runs as uid 70 (the
// official alpine images' postgres user, POSTGRES_UID's default). Prints the image reference on stdout.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { $ } from 'zx';
import { isEntry, parseCommand, parseRegistry, runMain, ScriptError, type CommandSpec } from './lib/args.js';
import { childEnv } from './lib/env.js';
import { log } from './lib/log.js';

export const spec = {
  command: 'npx tsx scripts/postgres-image.ts',
  summary: [
    'Builds todo-postgres:<version>-local from the host’s /usr/lib/postgresql (apt-get install postgresql) into the',
    'local docker, and pushes it with --registry. Deploy with POSTGRES_IMAGE=<printed ref> (POSTGRES_UID stays 70).',
  ].join('\n'),
  options: {
    registry: { type: 'string', valueName: 'HOST:PORT', description: 'also push the image there' },
    help: { type: 'boolean', short: 'h', default: false, description: 'show this help' },
  },
  examples: ['npx tsx scripts/postgres-image.ts --registry localhost:5000'],
} as const satisfies CommandSpec;

const uid = 70;

// The official entry point's contract, in POSIX sh: initialise once, then exec the server in the foreground.
const entrypoint = `#!/bin/sh
set -eu
: "\${PGDATA:=/var/lib/postgresql/data/pgdata}"
: "\${POSTGRES_USER:=postgres}"
: "\${POSTGRES_DB:=\$POSTGRES_USER}"
if [ ! -s "\$PGDATA/PG_VERSION" ]; then
  if [ -z "\${POSTGRES_PASSWORD:-}" ]; then echo "POSTGRES_PASSWORD is required to initialise \$PGDATA" >&2; exit 1; fi
  umask 077
  printf '%s\\n' "\$POSTGRES_PASSWORD" > /tmp/.pgpass-init
  initdb -D "\$PGDATA" -U "\$POSTGRES_USER" --pwfile=/tmp/.pgpass-init --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
  : > /tmp/.pgpass-init
  printf 'host all all all scram-sha-256\\n' >> "\$PGDATA/pg_hba.conf"
  if [ "\$POSTGRES_DB" != "postgres" ]; then
    printf 'CREATE DATABASE "%s";\\n' "\$POSTGRES_DB" | postgres --single -D "\$PGDATA" -j postgres >/dev/null
  fi
  echo "initialised \$PGDATA with database \$POSTGRES_DB"
fi
exec postgres -D "\$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql "\$@"
`;

function postgresVersion(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'postgres'))) : [];
  const v = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!v) throw new ScriptError('no PostgreSQL server under /usr/lib/postgresql', 'apt-get install -y postgresql');
  return v;
}

/** Copies a file into the root filesystem at the same path, keeping symlinks as symlinks (and copying their target). */
function copyInto(rootfs: string, file: string, seen: Set<string>): void {
  if (seen.has(file)) return;
  seen.add(file);
  const dest = path.join(rootfs, file);
  mkdirSync(path.dirname(dest), { recursive: true });
  const st = lstatSync(file);
  if (st.isSymbolicLink()) {
    const target = readlinkSync(file);
    if (!existsSync(dest)) symlinkSync(target, dest);
    copyInto(rootfs, path.resolve(path.dirname(file), target), seen);
  } else if (st.isDirectory()) {
    for (const e of readdirSync(file)) copyInto(rootfs, path.join(file, e), seen);
  } else {
    copyFileSync(file, dest);
    chmodSync(dest, st.mode & 0o777);
  }
}

/** Shared libraries a binary loads, as ldd resolves them on this machine. */
function sharedLibraries(binary: string): string[] {
  let out = '';
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  } catch {
    return []; // not a dynamic executable (scripts, data files)
  }
  return [...out.matchAll(/(\/[^\s]+\.so[^\s]*)/g)].map((m) => m[1]!);
}

export function makeRootfs(rootfs: string, version: string): void {
  const seen = new Set<string>();
  const pgBin = `/usr/lib/postgresql/${version}/bin`;
  const binaries = ['postgres', 'initdb', 'pg_ctl', 'pg_isready', 'psql'].map((b) => path.join(pgBin, b));
  const shellTools = ['/bin/sh', realpathSync('/bin/sh')];
  for (const f of [...binaries, ...shellTools, `/usr/lib/postgresql/${version}/lib`, `/usr/share/postgresql/${version}`, '/usr/share/zoneinfo']) copyInto(rootfs, f, seen);
  const dynamic = [...binaries, ...shellTools, ...readdirSync(`/usr/lib/postgresql/${version}/lib`).filter((f) => f.endsWith('.so')).map((f) => `/usr/lib/postgresql/${version}/lib/${f}`)];
  for (const lib of new Set(dynamic.flatMap(sharedLibraries))) copyInto(rootfs, lib, seen);
  for (const dir of ['tmp', 'var/run/postgresql', 'var/lib/postgresql/data', 'etc', 'usr/local/bin']) mkdirSync(path.join(rootfs, dir), { recursive: true });
  // Volumes cover these in a cluster; for a plain `docker run` they must be writable by the non-root user.
  for (const dir of ['tmp', 'var/run/postgresql', 'var/lib/postgresql/data']) chmodSync(path.join(rootfs, dir), 0o1777);
  // initdb looks its user up by uid.
  writeFileSync(path.join(rootfs, 'etc/passwd'), `root:x:0:0:root:/root:/bin/sh\npostgres:x:${uid}:${uid}:PostgreSQL:/var/lib/postgresql:/bin/sh\n`);
  writeFileSync(path.join(rootfs, 'etc/group'), `root:x:0:\npostgres:x:${uid}:\n`);
  writeFileSync(path.join(rootfs, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\n');
  writeFileSync(path.join(rootfs, 'usr/local/bin/docker-entrypoint.sh'), entrypoint, { mode: 0o755 });
}

export async function main(argv: string[]): Promise<number> {
  const { values } = parseCommand(spec, argv);
  const registry = values.registry === undefined ? undefined : parseRegistry(values.registry);
  const version = postgresVersion();
  const ref = `${registry ? `${registry}/` : ''}todo-postgres:${version}-local`;
  log.step(`PostgreSQL ${version} image from this machine`);
  const context = mkdtempSync(path.join(tmpdir(), 'todo-postgres-'));
  try {
    makeRootfs(path.join(context, 'rootfs'), version);
    writeFileSync(
      path.join(context, 'Dockerfile'),
      [
        'FROM scratch',
        'COPY rootfs/ /',
        `ENV PATH=/usr/lib/postgresql/${version}/bin:/usr/local/bin:/bin:/usr/bin PGDATA=/var/lib/postgresql/data/pgdata`,
        `USER ${uid}:${uid}`,
        'EXPOSE 5432',
        'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
        '',
      ].join('\n'),
    );
    const progress = log.progress(`docker build ${ref}`);
    progress.update('building');
    // The legacy builder: BuildKit is not available on every machine this runs on.
    await $({ quiet: true, env: childEnv({ DOCKER_BUILDKIT: '0' }) })`docker build --quiet --tag ${ref} ${context}`;
    if (registry) {
      progress.update('pushing');
      await $({ quiet: true })`docker push ${ref}`;
    }
    progress.done(`${ref}${registry ? ' (pushed)' : ''}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  process.stdout.write(`${ref}\n`);
  return 0;
}

if (isEntry(import.meta.url)) runMain(spec, main);
