import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';
import { missingPackages } from './packages.js';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const onPath = (cmd: string) => (process.env.PATH ?? '').split(':').some((dir) => existsSync(join(dir, cmd)));

/**
 * What the cluster tier cannot do without. Debian packages only count as missing when apt-get cannot install them,
 * since `up` installs them itself.
 */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push('Linux');
  if (process.getuid?.() !== 0) missing.push('root (the test cluster runs host daemons and changes iptables)');
  if (!onPath('go')) missing.push('the Go toolchain (`go`), to build Kubernetes');
  if (!onPath('kubectl')) missing.push('kubectl');
  if (!onPath('docker')) missing.push('the docker CLI');
  if (process.platform === 'linux' && !onPath('apt-get') && missingPackages().length > 0) {
    missing.push(`Debian packages ${missingPackages().join(', ')} (and apt-get to install them)`);
  }
  return missing;
}

/** Brings the test cluster up exactly as a person would (a no-op when it already runs). */
export async function ensureClusterUp(): Promise<void> {
  await $({ cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] })`npx ${['tsx', 'tests/cluster/cluster.ts', 'up']}`;
}

/** What the tiers that deploy the app need beyond the cluster: PostgreSQL's binaries become the database image. */
export function appTierPrerequisites(): string[] {
  const hasPostgres = existsSync('/usr/lib/postgresql') && readdirSync('/usr/lib/postgresql').length > 0;
  return [...missingPrerequisites(), ...(process.platform === 'linux' && !hasPostgres ? ['PostgreSQL binaries (apt-get install -y postgresql)'] : [])];
}
