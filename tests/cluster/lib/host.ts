import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { $ } from 'zx';

/** Host changes the cluster makes outside its own directories, and how they are undone. */
const q = $({ quiet: true });

export async function hasAddress(device: string, cidr: string): Promise<boolean> {
  const out = (await q`ip ${['-o', 'addr', 'show', 'dev', device]}`).stdout;
  return out.includes(` ${cidr} `) || out.includes(` ${cidr.replace('/32', '')}/32 `);
}

export async function linkExists(name: string): Promise<boolean> {
  return (await q`ip ${['link', 'show', name]}`.nothrow()).exitCode === 0;
}

export async function readSysctl(key: string): Promise<string> {
  return (await readFile(`/proc/sys/${key.replaceAll('.', '/')}`, 'utf8')).trim();
}

export async function writeSysctl(key: string, value: string): Promise<void> {
  await writeFile(`/proc/sys/${key.replaceAll('.', '/')}`, value);
}

export const iptablesCommands = ['iptables', 'ip6tables'] as const;
const tables = ['filter', 'nat', 'mangle', 'raw'] as const;
const ours = /^(KUBE-|CNI-)/;

/** Chain names per command and table. */
export async function snapshotChains(): Promise<Record<string, Record<string, string[]>>> {
  const result: Record<string, Record<string, string[]>> = {};
  for (const cmd of iptablesCommands) {
    result[cmd] = {};
    for (const table of tables) {
      const dump = await q`${`${cmd}-save`} ${['-t', table]}`.nothrow();
      result[cmd][table] = dump.exitCode === 0 ? parseSave(dump.stdout).chains : [];
    }
  }
  return result;
}

function parseSave(dump: string): { chains: string[]; rules: string[][] } {
  const chains: string[] = [];
  const rules: string[][] = [];
  for (const line of dump.split('\n')) {
    if (line.startsWith(':')) chains.push(line.slice(1).split(' ')[0]!);
    else if (line.startsWith('-A ')) rules.push(splitRule(line));
  }
  return { chains, rules };
}

/** iptables-save quotes arguments that contain spaces (comments); everything else is space separated. */
export function splitRule(line: string): string[] {
  const tokens: string[] = [];
  const pattern = /"((?:\\.|[^"\\])*)"|(\S+)/g;
  for (const m of line.matchAll(pattern)) tokens.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return tokens;
}

/**
 * Removes the KUBE-* and CNI-* chains that appeared since `before` (kube-proxy's, kubelet's and the CNI plugins'),
 * first the rules elsewhere that jump to them, then the chains. Docker's and anyone else's rules are left alone.
 */
export async function removeNewChains(before: Record<string, Record<string, string[]>>): Promise<string[]> {
  const removed: string[] = [];
  for (const cmd of iptablesCommands) {
    for (const table of tables) {
      const dump = await q`${`${cmd}-save`} ${['-t', table]}`.nothrow();
      if (dump.exitCode !== 0) continue;
      const { chains, rules } = parseSave(dump.stdout);
      const existed = new Set(before[cmd]?.[table] ?? []);
      const mine = new Set(chains.filter((c) => ours.test(c) && !existed.has(c)));
      if (mine.size === 0) continue;
      for (const rule of rules) {
        const chain = rule[1]!;
        const jump = rule.findIndex((t, i) => (t === '-j' || t === '-g') && mine.has(rule[i + 1] ?? ''));
        if (mine.has(chain) || jump < 0) continue;
        await q`${cmd} ${['-w', '-t', table, '-D', ...rule.slice(1)]}`.nothrow();
      }
      for (const chain of mine) await q`${cmd} ${['-w', '-t', table, '-F', chain]}`.nothrow();
      for (const chain of mine) {
        if ((await q`${cmd} ${['-w', '-t', table, '-X', chain]}`.nothrow()).exitCode === 0) removed.push(`${cmd}/${table}/${chain}`);
      }
    }
  }
  return removed;
}

export function listNetns(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}

/** Mount points under any of `prefixes`, deepest first, so that nested mounts come off before their parents. */
export function mountsUnder(prefixes: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && prefixes.some((prefix) => p === prefix || p.startsWith(`${prefix}/`)))
    .map((p) => p.replace(/\\040/g, ' '));
  return [...new Set(points)].sort((a, b) => b.split('/').length - a.split('/').length);
}

export async function unmountAll(points: string[]): Promise<void> {
  for (const point of points) await q`umount ${['-l', point]}`.nothrow();
}

const cgroupRoot = '/sys/fs/cgroup';

export function kubepodsCgroupExists(): boolean {
  return readdirSync(cgroupRoot).some((controller) => existsSync(join(cgroupRoot, controller, 'kubepods')));
}

/** Removes the kubelet's (now empty) pod cgroup tree in every v1 hierarchy, deepest first. */
export function removeKubepodsCgroups(): void {
  for (const controller of readdirSync(cgroupRoot)) {
    const top = join(cgroupRoot, controller, 'kubepods');
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (dir: string) => {
      dirs.push(dir);
      for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
    };
    walk(top);
    for (const dir of dirs.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // A cgroup that still holds a process stays; `status` would show it.
      }
    }
  }
}

/** Process ids still in the kubelet's pod cgroups (the pids hierarchy lists every task). */
export function pidsInKubepods(): number[] {
  const top = join(cgroupRoot, 'pids', 'kubepods');
  if (!existsSync(top)) return [];
  const pids: number[] = [];
  const walk = (dir: string) => {
    const procs = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    pids.push(...procs);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  walk(top);
  return pids;
}
