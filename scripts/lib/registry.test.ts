import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manifestAccept, manifestState, manifestUrl, parseImageRef, planImageChecks, referencedImages, registryManifest } from './registry.js';

describe('image references', () => {
  it.each([
    ['postgres:17.6-alpine', { host: 'docker.io', name: 'library/postgres', reference: '17.6-alpine', explicitHost: false }],
    ['bitnami/postgresql', { host: 'docker.io', name: 'bitnami/postgresql', reference: 'latest', explicitHost: false }],
    ['localhost:5000/todo-postgres:15-local', { host: 'localhost:5000', name: 'todo-postgres', reference: '15-local', explicitHost: true }],
    ['localhost/todo-backend:abc', { host: 'localhost', name: 'todo-backend', reference: 'abc', explicitHost: true }],
    ['ghcr.io/org/team/app@sha256:0123abcd', { host: 'ghcr.io', name: 'org/team/app', reference: 'sha256:0123abcd', explicitHost: true }],
    ['registry.example.com:5000/todo-frontend', { host: 'registry.example.com:5000', name: 'todo-frontend', reference: 'latest', explicitHost: true }],
  ])('%s', (ref, parsed) => expect(parseImageRef(ref)).toEqual(parsed));

  it('builds the Distribution API manifest address', () => {
    expect(manifestUrl(parseImageRef('localhost:5000/todo-postgres:does-not-exist'), 'http')).toBe('http://localhost:5000/v2/todo-postgres/manifests/does-not-exist');
    expect(manifestUrl(parseImageRef('reg.example.com/a/b@sha256:ff'), 'https')).toBe('https://reg.example.com/v2/a/b/manifests/sha256:ff');
  });

  it('reads the HEAD status: 404 is missing, a login wall is unknown', () => {
    expect([200, 404, 401, 403, 500].map(manifestState)).toEqual(['present', 'missing', 'unknown', 'unknown', 'unknown']);
  });
});

describe('which images are checked, and how', () => {
  const refs = ['localhost:5000/todo-backend:abc', 'localhost:5000/todo-postgres:nope', 'postgres:17.6-alpine', 'localhost:5000/todo-backend:abc'];
  it('with a registry: its own refs through its API, public ones skipped', () => {
    expect(planImageChecks(refs, { registry: 'localhost:5000', daemon: false })).toEqual([
      { ref: 'localhost:5000/todo-backend:abc', how: 'registry' },
      { ref: 'localhost:5000/todo-postgres:nope', how: 'registry' },
      { ref: 'postgres:17.6-alpine', how: 'skip', why: 'pulled from docker.io, which the kit does not check' },
    ]);
  });
  it('without a registry, on a cluster that runs on our docker: everything in that daemon', () => {
    expect(planImageChecks(['todo-backend:abc', 'postgres:17.6-alpine'], { daemon: true }).map((c) => c.how)).toEqual(['daemon', 'daemon']);
  });
  it('a ref on another registry host is not ours to check', () => {
    expect(planImageChecks(['registry.example.com/x:1'], { registry: 'localhost:5000', daemon: false })[0]?.how).toBe('skip');
  });
  it('collects the images of every pod template, init containers and Jobs included', () => {
    const objects = [
      { kind: 'StatefulSet', spec: { template: { spec: { containers: [{ image: 'pg:1' }] } } } },
      { kind: 'Job', spec: { template: { spec: { initContainers: [{ image: 'wait:1' }], containers: [{ image: 'be:1' }] } } } },
      { kind: 'Deployment', spec: { template: { spec: { containers: [{ image: 'be:1' }] } } } },
      { kind: 'Service', spec: { ports: [] } },
    ];
    expect(referencedImages(objects)).toEqual(['pg:1', 'wait:1', 'be:1']);
  });
});

describe('registryManifest against a registry API', () => {
  const seen: { method?: string; url?: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    res.statusCode = req.url === '/v2/todo-postgres/manifests/15-local' ? 200 : 404;
    res.end();
  });
  let host = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('HEADs the manifest with the docker v2 and OCI media types', async () => {
    expect((await registryManifest(`${host}/todo-postgres:15-local`)).state).toBe('present');
    expect(await registryManifest(`${host}/todo-postgres:does-not-exist`)).toEqual({ state: 'missing', status: 404 });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(['HEAD /v2/todo-postgres/manifests/15-local', 'HEAD /v2/todo-postgres/manifests/does-not-exist']);
    expect(seen[0]?.headers.accept).toBe(manifestAccept);
    for (const type of ['manifest.v2+json', 'manifest.list.v2+json', 'oci.image.manifest.v1+json', 'oci.image.index.v1+json']) expect(manifestAccept).toContain(type);
  });

  it('an unreachable registry is an error, not a missing image', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(registryManifest(`127.0.0.1:${port}/x:1`)).rejects.toThrow(/not reachable/);
  });
});
