import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { $ } from 'zx';
import type { Logger } from '../../../scripts/lib/log.js';
import { bin, binDir, cacheDir, versions } from './layout.js';
import { buildImageArchive, coreDnsImage, pauseImage } from './image-archive.js';

export const kubernetesBinaries = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'] as const;

const srcDir = join(cacheDir, 'src');

/**
 * Static binaries, no cloud providers, and the version kubectl reports. `-p 2` because the build machines have two
 * cores shared with other work; builds run one at a time for the same reason.
 */
const goEnv = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false -mod=mod' };
const go = $({ env: goEnv, verbose: false, quiet: true });

export interface BuildResult {
  name: string;
  seconds: number;
  cached: boolean;
}

/** Builds whatever is missing from the cache; everything already there is reused as is. */
export async function buildAll(log: Logger): Promise<BuildResult[]> {
  await mkdir(binDir, { recursive: true });
  const results: BuildResult[] = [];
  results.push(...(await buildKubernetes(log)));
  results.push(await buildOne(log, 'coredns', () => buildCoreDns()));
  results.push(await buildOne(log, 'registry', () => buildRegistry()));
  results.push(await buildOne(log, 'pause', () => buildPause()));
  for (const image of [pauseImage, coreDnsImage]) {
    if (!existsSync(image.archive)) await buildImageArchive(image);
  }
  return results;
}

async function buildOne(log: Logger, name: string, build: () => Promise<void>): Promise<BuildResult> {
  if (existsSync(bin(name))) return { name, seconds: 0, cached: true };
  const progress = log.progress(`building ${name}`);
  const started = Date.now();
  try {
    await build();
  } catch (error) {
    progress.fail(`building ${name} failed`);
    throw error;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  progress.done(`built ${name} in ${seconds}s`);
  return { name, seconds, cached: false };
}

/** Builds into a temporary name first, so an interrupted build never leaves a binary that looks complete. */
async function goBuild(moduleDir: string, pkg: string, name: string, ldflags = '-s -w'): Promise<void> {
  const partial = `${bin(name)}.partial`;
  await go({ cwd: moduleDir })`go build ${['-p', '2', '-trimpath', '-tags', 'providerless', '-ldflags', ldflags, '-o', partial, pkg]}`;
  await rename(partial, bin(name));
}

async function writeModule(dir: string, goMod: string, files: Record<string, string> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'go.mod'), goMod);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
}

/**
 * k8s.io/kubernetes is not meant to be a dependency: its go.mod points every k8s.io/* staging module at a directory
 * inside its own tree. As a dependency those replaces are ignored, so this module replaces each of them by the
 * published staging module of the same release.
 */
async function buildKubernetes(log: Logger): Promise<BuildResult[]> {
  const missing = kubernetesBinaries.filter((name) => !existsSync(bin(name)));
  if (missing.length === 0) return kubernetesBinaries.map((name) => ({ name, seconds: 0, cached: true }));
  const dir = join(srcDir, 'kubernetes');
  if (!existsSync(join(dir, 'go.sum'))) {
    const progress = log.progress(`resolving k8s.io/kubernetes ${versions.kubernetes} modules`);
    const started = Date.now();
    const info = JSON.parse(
      (await go`go mod download -json ${`k8s.io/kubernetes@${versions.kubernetes}`}`).stdout,
    ) as { GoMod: string };
    const upstreamMod = await readFile(info.GoMod, 'utf8');
    const staging = [...upstreamMod.matchAll(/^\s*(k8s\.io\/[\w.-]+) => \.\/staging\//gm)].map((m) => m[1]!);
    const goMod = [
      'module todo-test-cluster/kubernetes',
      '',
      'go 1.23.0',
      '',
      `require k8s.io/kubernetes ${versions.kubernetes}`,
      '',
      'replace (',
      ...staging.map((module) => `\t${module} => ${module} ${versions.staging}`),
      ')',
      '',
    ].join('\n');
    await writeModule(dir, goMod);
    await go({ cwd: dir })`go get ${kubernetesBinaries.map((name) => `k8s.io/kubernetes/cmd/${name}@${versions.kubernetes}`)}`;
    progress.done(`resolved k8s.io/kubernetes modules in ${Math.round((Date.now() - started) / 1000)}s`);
  }
  const ldflags = `-s -w -X k8s.io/component-base/version.gitVersion=${versions.kubernetes}`;
  const results: BuildResult[] = [];
  for (const name of kubernetesBinaries) {
    results.push(await buildOne(log, name, () => goBuild(dir, `k8s.io/kubernetes/cmd/${name}`, name, ldflags)));
  }
  return results;
}

/**
 * CoreDNS with only the plugins a cluster DNS needs: the full binary pulls in every cloud SDK. This is CoreDNS's
 * documented way to compile a custom plugin set without its code generator (the directive order follows plugin.cfg).
 */
const coreDnsMain = `package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loadbalance"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
)

func init() {
	dnsserver.Directives = []string{
		"reload", "ready", "health", "prometheus", "errors", "log", "loadbalance", "cache", "kubernetes", "forward",
	}
}

func main() { coremain.Run() }
`;

async function buildCoreDns(): Promise<void> {
  const dir = join(srcDir, 'coredns');
  await writeModule(dir, 'module todo-test-cluster/coredns\n\ngo 1.25.0\n', { 'main.go': coreDnsMain });
  await go({ cwd: dir })`go get ${`github.com/coredns/coredns@${versions.coredns}`}`;
  await go({ cwd: dir })`go mod tidy`;
  await goBuild(dir, '.', 'coredns', `-s -w -X github.com/coredns/coredns/coremain.GitCommit=${versions.coredns}`);
}

/** The distribution registry with only the filesystem storage driver: its stock main links every cloud SDK. */
const registryMain = `package main

import (
	"github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

func main() {
	if err := registry.RootCmd.Execute(); err != nil {
		panic(err)
	}
}
`;

async function buildRegistry(): Promise<void> {
  const dir = join(srcDir, 'registry');
  await writeModule(dir, 'module todo-test-cluster/registry\n\ngo 1.23.7\n', { 'main.go': registryMain });
  await go({ cwd: dir })`go get ${`github.com/distribution/distribution/v3@${versions.registry}`}`;
  await go({ cwd: dir })`go mod tidy`;
  await goBuild(dir, '.', 'registry');
}

/**
 * The pod sandbox process: it only holds the pod's namespaces, reaps orphans and exits on a stop signal, like the
 * upstream C pause. Written in Go so that no C toolchain is needed.
 */
const pauseMain = `package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s == syscall.SIGCHLD {
			for {
				pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
				if pid <= 0 || err != nil {
					break
				}
			}
			continue
		}
		os.Exit(0)
	}
}
`;

async function buildPause(): Promise<void> {
  const dir = join(srcDir, 'pause');
  await rm(dir, { recursive: true, force: true });
  await writeModule(dir, 'module todo-test-cluster/pause\n\ngo 1.23\n', { 'main.go': pauseMain });
  await goBuild(dir, '.', 'pause');
}
