// Builds the three service images tagged by a hash of their inputs, or reports their sizes against the budgets.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEntry, parseChoice, parseCommand, parseRegistry, runMain, UsageError, type CommandSpec } from './lib/args.js';
import { readToolEnv } from './lib/env.js';
import { buildImages, components, imageSizes, megabytes, type Component } from './lib/images.js';
import { createLogger, formatTable } from './lib/log.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const spec = {
  command: 'npx tsx scripts/images.ts',
  summary: [
    'build: builds todo-frontend, todo-backend and todo-mcp-server into the current docker daemon (or pushes them to',
    '       --registry), tagged by a hash of their inputs; an image whose inputs did not change is not rebuilt.',
    '       Prints one image reference per line on stdout.',
    'sizes: prints each image\'s total size and what its layers add on top of the base image; exit 1 when an image is',
    '       over its budget (frontend 40 MB, backend 30 MB, mcp_server 30 MB) or not built for the current inputs.',
  ].join('\n'),
  positionals: [{ name: 'build|sizes', description: 'what to do' }],
  options: {
    'base-image': {
      type: 'string',
      valueName: 'IMAGE',
      description: "base image instead of the Dockerfiles' pinned Node LTS (also from NODE_IMAGE)",
    },
    registry: { type: 'string', valueName: 'HOST:PORT', description: 'push to this registry (build only)' },
    only: { type: 'string', valueName: 'C1,C2', description: `some of ${components.join(',')}` },
    help: { type: 'boolean', short: 'h', default: false, description: 'show this help' },
  },
  examples: [
    'npx tsx scripts/images.ts build',
    'npx tsx scripts/images.ts build --base-image todo-node-base:20.20.2 --only backend,mcp_server',
    'eval $(minikube docker-env) && npx tsx scripts/images.ts build',
    'npx tsx scripts/images.ts sizes',
  ],
} satisfies CommandSpec;

export function parseOnly(value: string | undefined): Component[] {
  if (value === undefined) return [...components];
  const chosen = value.split(',').map((c) => c.trim());
  if (chosen.some((c) => c === '')) throw new UsageError(`--only must be a comma-separated list of ${components.join(', ')}`);
  return [...new Set(chosen.map((c) => parseChoice('--only', c, components)))];
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(spec, argv);
  const verb = parseChoice('command', positionals[0] ?? '', ['build', 'sizes'] as const);
  const only = parseOnly(values.only);
  const registry = values.registry === undefined ? undefined : parseRegistry(values.registry);
  if (registry && verb === 'sizes') throw new UsageError('--registry applies to build only');
  const baseImage = values['base-image'] ?? readToolEnv().NODE_IMAGE;
  // stdout carries only the result (references, or the size table); progress and the build summary go to stderr.
  const log = createLogger({ out: process.stderr });

  if (verb === 'build') {
    log.step(`Building ${only.join(', ')}${baseImage ? ` on ${baseImage}` : ''}`);
    const built = await buildImages({ root, components: only, registry, baseImage, log });
    log.table(
      ['component', 'image', 'result', 'time'],
      built.map((b) => [b.component, b.ref, b.built ? 'built' : 'up to date', b.built ? `${b.seconds.toFixed(1)}s` : '-']),
    );
    for (const b of built) process.stdout.write(`${b.ref}\n`);
    return 0;
  }

  const sizes = await imageSizes({ root, components: only, baseImage });
  const rows = sizes.map((s) => {
    const state =
      s.total === undefined
        ? 'not built'
        : s.added === undefined
          ? `base ${s.baseImage} missing`
          : s.added <= s.budgetMB * 1e6
            ? 'ok'
            : 'OVER BUDGET';
    return [s.component, s.ref, megabytes(s.total), megabytes(s.base), megabytes(s.added), String(s.budgetMB), state];
  });
  process.stdout.write(`${formatTable(['component', 'image', 'total MB', 'base MB', 'added MB', 'budget MB', 'state'], rows)}\n`);
  const failing = sizes.filter((s) => s.added === undefined || s.added > s.budgetMB * 1e6);
  for (const s of failing) {
    if (s.total === undefined) log.fail(`${s.ref} is not built for the current inputs: npx tsx scripts/images.ts build`);
    else if (s.added === undefined) log.fail(`base image ${s.baseImage} is not in the daemon; pass the --base-image the images were built on`);
    else log.fail(`${s.component} adds ${megabytes(s.added)} MB on top of its base; the budget is ${s.budgetMB} MB`);
  }
  return failing.length ? 1 : 0;
}

if (isEntry(import.meta.url)) runMain(spec, main);
