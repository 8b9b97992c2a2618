import { createHash } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { $ } from 'zx';
import { ScriptError } from './args.js';
import { formatSeconds, type Logger } from './log.js';
import { registryManifest } from './registry.js';

export const components = ['frontend', 'backend', 'mcp_server'] as const;
export type Component = (typeof components)[number];

/** What our layers may add on top of the base image, in MB (10^6 bytes, as `docker images` counts). */
export const sizeBudgetsMB: Record<Component, number> = { frontend: 40, backend: 30, mcp_server: 30 };

export function imageName(component: Component): string {
  return component === 'mcp_server' ? 'todo-mcp-server' : `todo-${component}`;
}

export function dockerfilePath(component: Component): string {
  return `${component}/Dockerfile`;
}

/** The `NODE_IMAGE` default a Dockerfile declares: the base a user gets without `--build-arg`. */
export function defaultBaseImage(dockerfile: string): string {
  const match = /^ARG\s+NODE_IMAGE=(\S+)/m.exec(dockerfile);
  if (!match?.[1]) throw new Error('Dockerfile declares no ARG NODE_IMAGE default');
  return match[1];
}

/** Sources of the Dockerfile's COPY/ADD instructions that read the build context (not `--from` another stage). */
export function contextSources(dockerfile: string): string[] {
  const logical = dockerfile.replace(/\\\r?\n/g, ' ').split(/\r?\n/);
  const sources: string[] = [];
  for (const line of logical) {
    const match = /^\s*(COPY|ADD)\s+(.*)$/i.exec(line);
    if (!match?.[2]) continue;
    const words = match[2].trim().startsWith('[')
      ? (JSON.parse(match[2].trim().replace(/^(--\S+\s+)+/, '')) as string[])
      : match[2].trim().split(/\s+/);
    const flags = words.filter((w) => w.startsWith('--'));
    if (flags.some((f) => f.startsWith('--from'))) continue;
    const operands = words.filter((w) => !w.startsWith('--'));
    sources.push(...operands.slice(0, -1));
  }
  return sources.map((s) => path.posix.normalize(s).replace(/^\/+/, '').replace(/\/+$/, '') || '.');
}

interface IgnoreRule {
  regex: RegExp;
  negate: boolean;
}

/** `.dockerignore` rules with Docker's semantics: root-relative globs, `**` across folders, later `!` rules re-include. */
export function parseDockerignore(text: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1).trim();
    line = path.posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '');
    rules.push({ regex: globToRegex(line), negate });
  }
  return rules;
}

function globToRegex(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slashAfter = glob[i + 2] === '/';
      out += slashAfter ? '(?:.*/)?' : '.*';
      i += slashAfter ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) out += '\\[';
      else {
        out += `[${glob.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else out += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** True when Docker leaves `file` (root-relative, `/`-separated) out of the build context. */
export function isIgnored(rules: IgnoreRule[], file: string): boolean {
  const parts = file.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const rule of rules) {
    if (prefixes.some((p) => rule.regex.test(p))) ignored = !rule.negate;
  }
  return ignored;
}

/** Every context file (root-relative, sorted) that the component's Dockerfile copies into some stage. */
export async function imageInputs(root: string, component: Component): Promise<string[]> {
  const dockerfile = await readFile(path.join(root, dockerfilePath(component)), 'utf8');
  const rules = parseDockerignore(await readFile(path.join(root, '.dockerignore'), 'utf8').catch(() => ''));
  // A folder that is ignored can only be skipped whole when no later rule re-includes something inside it.
  const canPrune = !rules.some((r) => r.negate);
  const files = new Set<string>();
  const walk = async (relative: string): Promise<void> => {
    if (relative !== '.' && isIgnored(rules, relative)) {
      if (canPrune) return;
    }
    const absolute = path.join(root, relative);
    const stats = await lstat(absolute).catch(() => null);
    if (!stats) throw new Error(`${dockerfilePath(component)} copies ${relative}, which does not exist`);
    if (stats.isDirectory()) {
      for (const entry of (await readdir(absolute)).sort()) {
        await walk(relative === '.' ? entry : `${relative}/${entry}`);
      }
    } else if (!isIgnored(rules, relative)) files.add(relative);
  };
  for (const source of contextSources(dockerfile)) await walk(source);
  return [...files].sort();
}

/**
 * A tag that changes exactly when something that goes into the image changes: the Dockerfile, every context file
 * its COPY instructions read (after .dockerignore), and the base image it is built on.
 */
export async function contentTag(root: string, component: Component, baseImage?: string): Promise<string> {
  const dockerfile = await readFile(path.join(root, dockerfilePath(component)), 'utf8');
  const hash = createHash('sha256');
  hash.update(`dockerfile\0${dockerfile}\0base\0${baseImage ?? defaultBaseImage(dockerfile)}\0`);
  for (const file of await imageInputs(root, component)) {
    const absolute = path.join(root, file);
    const stats = await lstat(absolute);
    const content = stats.isSymbolicLink() ? `link:${await readlink(absolute)}` : await readFile(absolute);
    const digest = createHash('sha256').update(content).digest('hex');
    hash.update(`${file}\0${stats.mode & 0o111 ? 'x' : '-'}\0${digest}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

export async function imageRef(root: string, component: Component, options: { registry?: string; baseImage?: string } = {}) {
  const tag = await contentTag(root, component, options.baseImage);
  return `${options.registry ? `${options.registry}/` : ''}${imageName(component)}:${tag}`;
}

export interface BuildImagesOptions {
  root: string;
  components?: readonly Component[];
  /** `host:port` of a registry to push to; the images are then looked up there instead of in the daemon. */
  registry?: string;
  /** Replaces the Dockerfiles' `NODE_IMAGE` default (e.g. a locally made base where no registry is reachable). */
  baseImage?: string;
  /** Environment of the docker CLI, e.g. this process's environment plus `minikube docker-env`. */
  dockerEnv?: NodeJS.ProcessEnv;
  log: Logger;
}

export interface BuiltImage {
  component: Component;
  ref: string;
  built: boolean;
  seconds: number;
}

export async function buildImages(options: BuildImagesOptions): Promise<BuiltImage[]> {
  const docker = $({ env: options.dockerEnv ?? process.env, quiet: true, cwd: options.root });
  const wanted = options.components ?? components;
  // The tags (hashing every input file) and the look-ups in the daemon or registry do not depend on each other.
  const [engine, found] = await Promise.all([
    docker`docker version --format ${'{{.Server.Version}}'}`.nothrow(),
    Promise.all(
      wanted.map(async (component) => {
        const ref = await imageRef(options.root, component, options);
        const present = options.registry ? await registryHasImage(ref) : await daemonHasImage(ref, options.dockerEnv);
        return { component, ref, present };
      }),
    ),
  ]);
  if (engine.exitCode !== 0) {
    throw new ScriptError(
      `the Docker engine is not reachable: ${engine.stderr.trim().split('\n').pop()}`,
      'start dockerd (or minikube), or point DOCKER_HOST at a running engine',
    );
  }
  const results: BuiltImage[] = [];
  // One at a time: the images share their first stages, so the second and third build reuse the first one's layers.
  for (const { component, ref, present } of found) {
    const started = Date.now();
    if (present) {
      options.log.ok(`${ref} is up to date (inputs unchanged)`);
      results.push({ component, ref, built: false, seconds: 0 });
      continue;
    }
    const args = ['--file', dockerfilePath(component), '--tag', ref];
    if (options.baseImage) args.push('--build-arg', `NODE_IMAGE=${options.baseImage}`);
    const progress = options.log.progress(`build ${ref}`);
    const output: string[] = [];
    let current = 'starting';
    // A step such as `npm ci` runs for minutes without output; keep showing that the build is alive.
    const heartbeat = setInterval(() => progress.update(current), 5000);
    const build = docker`docker build ${args} .`.nothrow();
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        // Legacy builder: "Step 4/12 : RUN ..."; BuildKit: "#8 [build 3/5] RUN ...".
        const step = /^(Step \d+\/\d+ : .*|#\d+ \[.*)$/.exec(line);
        if (step?.[1]) {
          current = step[1].slice(0, 100);
          progress.update(current);
        }
      }
    };
    build.stdout.on('data', onData);
    build.stderr.on('data', onData);
    const result = await build.finally(() => clearInterval(heartbeat));
    if (result.exitCode !== 0) {
      progress.fail(`build ${ref} failed`);
      options.log.detail(output.slice(-40));
      throw new ScriptError(`docker build of ${component} failed (exit ${result.exitCode})`, `see the build output above; rerun by hand with: docker build ${args.join(' ')} .`);
    }
    if (options.registry) {
      progress.update('pushing');
      await docker`docker push ${ref}`;
    }
    const seconds = (Date.now() - started) / 1000;
    progress.done(`built ${ref} in ${formatSeconds(seconds * 1000)}`);
    results.push({ component, ref, built: true, seconds });
  }
  return results;
}

/** Whether the docker daemon that `dockerEnv` points the CLI at (minikube's, or the local one) holds `ref`. */
export async function daemonHasImage(ref: string, dockerEnv: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  return (await $({ env: dockerEnv, quiet: true })`docker image inspect --format ${'{{.Id}}'} ${ref}`.nothrow()).exitCode === 0;
}

/** Asks the registry's HTTP API whether it holds the manifest for `ref` (`host:port/name:tag`). */
async function registryHasImage(ref: string): Promise<boolean> {
  return (await registryManifest(ref)).state === 'present';
}

export interface ImageSize {
  component: Component;
  ref: string;
  baseImage: string;
  /** Bytes; undefined when the image has not been built for the current inputs. */
  total?: number;
  base?: number;
  added?: number;
  budgetMB: number;
}

/** Sizes as `docker image inspect` reports them; `added` is what our layers put on top of the base image. */
export async function imageSizes(options: Omit<BuildImagesOptions, 'log' | 'registry'>): Promise<ImageSize[]> {
  const docker = $({ env: options.dockerEnv ?? process.env, quiet: true, cwd: options.root });
  const sizeOf = async (ref: string) => {
    const result = await docker`docker image inspect --format ${'{{.Size}}'} ${ref}`.nothrow();
    return result.exitCode === 0 ? Number(result.stdout.trim()) : undefined;
  };
  const sizes: ImageSize[] = [];
  for (const component of options.components ?? components) {
    const dockerfile = await readFile(path.join(options.root, dockerfilePath(component)), 'utf8');
    const baseImage = options.baseImage ?? defaultBaseImage(dockerfile);
    const ref = await imageRef(options.root, component, options);
    const total = await sizeOf(ref);
    const base = await sizeOf(baseImage);
    sizes.push({
      component,
      ref,
      baseImage,
      total,
      base,
      added: total !== undefined && base !== undefined ? total - base : undefined,
      budgetMB: sizeBudgetsMB[component],
    });
  }
  return sizes;
}

export function megabytes(bytes: number | undefined): string {
  return bytes === undefined ? '-' : (bytes / 1e6).toFixed(1);
}
