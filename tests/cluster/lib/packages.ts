import { existsSync } from 'node:fs';
import { $ } from 'zx';
import type { Logger } from '../../../scripts/lib/log.js';

/** Debian packages the cluster runs on, each with a file that shows it is installed. */
export const debianPackages: Record<string, string> = {
  containerd: '/usr/bin/containerd',
  runc: '/usr/sbin/runc',
  'containernetworking-plugins': '/usr/lib/cni/bridge',
  'etcd-server': '/usr/bin/etcd',
  conntrack: '/usr/sbin/conntrack',
  socat: '/usr/bin/socat',
  iptables: '/usr/sbin/iptables',
  iproute2: '/usr/sbin/ip',
  openssl: '/usr/bin/openssl',
  'docker.io': '/usr/sbin/dockerd',
};

export function missingPackages(): string[] {
  return Object.entries(debianPackages)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg);
}

/** Installs only what is missing, so a prepared machine pays nothing and never waits for apt. */
export async function ensurePackages(log: Logger): Promise<void> {
  const missing = missingPackages();
  if (missing.length === 0) {
    log.ok('Debian packages present');
    return;
  }
  const progress = log.progress(`apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await $({ env, quiet: true })`apt-get ${['update', '-qq']}`;
  await $({ env, quiet: true })`apt-get ${['install', '-y', '-qq', '--no-install-recommends', ...missing]}`;
  progress.done(`installed ${missing.join(' ')}`);
}

export async function requireGo(): Promise<void> {
  const found = await $({ quiet: true })`go version`.nothrow();
  if (found.exitCode !== 0) throw new Error('the Go toolchain (`go`) is needed to build the cluster binaries and was not found on PATH');
}
