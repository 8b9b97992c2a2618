import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  components,
  contentTag,
  contextSources,
  defaultBaseImage,
  imageInputs,
  imageName,
  isIgnored,
  parseDockerignore,
  type Component,
} from './images.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// A small tree laid out like the repository, with the repository's own Dockerfiles and .dockerignore, so the tests
// follow whatever those files actually copy.
async function makeTree(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'images-test-'));
  const files: Record<string, string> = {
    'package.json': '{"name":"root","workspaces":["backend","mcp_server","frontend"]}',
    'package-lock.json': '{"lockfileVersion":3}',
    '.npmrc': 'fund=false\n',
    'tsconfig.base.json': '{}',
    'backend/package.json': '{"name":"@todo/backend"}',
    'backend/src/main.ts': 'export {};\n',
    'backend/src/routes/tasks.ts': 'export const a = 1;\n',
    'backend/src/routes/tasks.test.ts': 'test file\n',
    'backend/src/db/schema.ts': 'export const schema = 1;\n',
    'backend/src/db/migrate-main.ts': 'export {};\n',
    'backend/drizzle/0000_init.sql': 'create table task ();\n',
    'backend/node_modules/x/index.js': 'ignored\n',
    'mcp_server/package.json': '{"name":"@todo/mcp-server"}',
    'mcp_server/src/main.ts': 'export {};\n',
    'frontend/package.json': '{"name":"@todo/frontend"}',
    'frontend/app/page.tsx': 'export default function Page() { return null; }\n',
    'frontend/.next/cache/x': 'build output\n',
    'frontend/.env.local': 'SECRET=1\n',
    'README.md': '# readme\n',
    'scripts/deploy.ts': 'export {};\n',
  };
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
  for (const c of components) await cp(path.join(repo, c, 'Dockerfile'), path.join(root, c, 'Dockerfile'));
  await cp(path.join(repo, '.dockerignore'), path.join(root, '.dockerignore'));
  return root;
}

async function tags(root: string, baseImage?: string): Promise<Record<Component, string>> {
  const entries = await Promise.all(components.map(async (c) => [c, await contentTag(root, c, baseImage)] as const));
  return Object.fromEntries(entries) as Record<Component, string>;
}

function changed(before: Record<Component, string>, after: Record<Component, string>): Component[] {
  return components.filter((c) => before[c] !== after[c]);
}

describe('image names', () => {
  it('are the names the manifests use', () => {
    expect(components.map(imageName)).toEqual(['todo-frontend', 'todo-backend', 'todo-mcp-server']);
  });
});

describe('contentTag', () => {
  let root: string;
  beforeEach(async () => {
    root = await makeTree();
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('is stable and looks like a docker tag', async () => {
    const first = await tags(root);
    expect(await tags(root)).toEqual(first);
    for (const tag of Object.values(first)) expect(tag).toMatch(/^[a-f0-9]{16}$/);
    expect(new Set(Object.values(first)).size).toBe(3);
  });

  it('changes only the backend tag when a backend-only source changes', async () => {
    const before = await tags(root);
    await writeFile(path.join(root, 'backend/src/routes/tasks.ts'), 'export const a = 2;\n');
    expect(changed(before, await tags(root))).toEqual(['backend']);
  });

  it('changes backend and mcp_server, not frontend, when the shared data module changes', async () => {
    const before = await tags(root);
    await writeFile(path.join(root, 'backend/src/db/schema.ts'), 'export const schema = 2;\n');
    expect(changed(before, await tags(root))).toEqual(['backend', 'mcp_server']);
  });

  it('changes only the frontend tag when a frontend source changes', async () => {
    const before = await tags(root);
    await writeFile(path.join(root, 'frontend/app/page.tsx'), 'export default function Page() { return 1; }\n');
    expect(changed(before, await tags(root))).toEqual(['frontend']);
  });

  it('changes backend and mcp_server (which checks the migration journal), not frontend, when a migration is added', async () => {
    const before = await tags(root);
    await writeFile(path.join(root, 'backend/drizzle/0001_next.sql'), 'alter table task add column x int;\n');
    expect(changed(before, await tags(root))).toEqual(['backend', 'mcp_server']);
  });

  it('changes every tag when the lockfile or the base image changes', async () => {
    const before = await tags(root);
    expect(changed(before, await tags(root, 'todo-node-base:20.20.2'))).toEqual([...components]);
    await writeFile(path.join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    expect(changed(before, await tags(root))).toEqual([...components]);
  });

  it('treats the Dockerfile default base and the same base given explicitly alike', async () => {
    const before = await tags(root);
    const dockerfile = await import('node:fs/promises').then((fs) => fs.readFile(path.join(root, 'backend/Dockerfile'), 'utf8'));
    expect(await contentTag(root, 'backend', defaultBaseImage(dockerfile))).toBe(before.backend);
  });

  it('ignores what .dockerignore keeps out of the context: tests, node_modules, build output, .env files, docs', async () => {
    const before = await tags(root);
    await writeFile(path.join(root, 'backend/src/routes/tasks.test.ts'), 'changed test\n');
    await writeFile(path.join(root, 'backend/node_modules/x/index.js'), 'changed\n');
    await writeFile(path.join(root, 'frontend/.next/cache/x'), 'changed\n');
    await writeFile(path.join(root, 'frontend/.env.local'), 'SECRET=2\n');
    await writeFile(path.join(root, 'README.md'), '# changed\n');
    await writeFile(path.join(root, 'scripts/deploy.ts'), 'export const changed = 1;\n');
    expect(changed(before, await tags(root))).toEqual([]);
  });

  it('changes a tag when only a file mode changes', async () => {
    const { chmod } = await import('node:fs/promises');
    const before = await tags(root);
    await chmod(path.join(root, 'mcp_server/src/main.ts'), 0o755);
    expect(changed(before, await tags(root))).toEqual(['mcp_server']);
  });

  it('lists the inputs without secrets or dependencies', async () => {
    const inputs = await imageInputs(root, 'backend');
    expect(inputs).toContain('backend/src/main.ts');
    expect(inputs).toContain('package-lock.json');
    expect(inputs.some((f) => f.includes('node_modules') || f.includes('.env') || f.endsWith('.test.ts'))).toBe(false);
  });

  it('fails clearly when a Dockerfile copies something missing', async () => {
    await rm(path.join(root, 'tsconfig.base.json'));
    await expect(contentTag(root, 'backend')).rejects.toThrow(/copies tsconfig\.base\.json, which does not exist/);
  });
});

describe('contextSources', () => {
  it('reads COPY sources, skips copies from other stages, and follows line continuations', () => {
    const dockerfile = [
      'FROM x AS build',
      'COPY package.json package-lock.json ./',
      'COPY --chown=1000:1000 backend/ backend/',
      'COPY --from=build /src/dist ./dist',
      'ADD a \\',
      '    b /dest/',
      'COPY ["with space.txt", "/dest/"]',
    ].join('\n');
    expect(contextSources(dockerfile)).toEqual(['package.json', 'package-lock.json', 'backend', 'a', 'b', 'with space.txt']);
  });
});

describe('dockerignore matching', () => {
  const rules = parseDockerignore('# comment\n**/node_modules\n**/.env.*\n!**/.env.example\ntests\n*.md\n');
  it.each([
    ['node_modules/a/b.js', true],
    ['backend/node_modules/a.js', true],
    ['backend/.env.local', true],
    ['.env.example', false],
    ['tests/docker/a.ts', true],
    ['backend/tests/a.ts', false],
    ['README.md', true],
    ['backend/README.md', false],
    ['backend/src/main.ts', false],
  ])('%s ignored: %s', (file, expected) => {
    expect(isIgnored(rules, file)).toBe(expected);
  });
});
