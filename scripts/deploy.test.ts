import { describe, expect, it } from 'vitest';
import { changedObjects, parseDeployArgs, render, requiredResources, skippedFiles } from './deploy.js';
import { createdByKit } from './lib/kubectl.js';
import { secretWrittenByKit } from './teardown.js';
import type { K8sObject } from './lib/render.js';

const obj = (kind: string, name: string, namespace?: string): K8sObject => ({ apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) } });

describe('deploy', () => {
  it('reads which rendered objects kubectl diff reports as changed', () => {
    const diff = [
      'diff -u -N /tmp/LIVE-1/apps.v1.Deployment.todo.backend /tmp/MERGED-1/apps.v1.Deployment.todo.backend',
      '--- /tmp/LIVE-1/apps.v1.Deployment.todo.backend',
      '+        checksum/todo-config: abc',
      'diff -u -N /tmp/LIVE-1/v1.ConfigMap.todo.todo-config /tmp/MERGED-1/v1.ConfigMap.todo.todo-config',
    ].join('\n');
    const objects = [obj('Deployment', 'backend', 'todo'), obj('Deployment', 'frontend', 'todo'), obj('ConfigMap', 'todo-config', 'todo'), obj('Namespace', 'todo')];
    expect([...changedObjects(diff, objects)].sort()).toEqual(['ConfigMap/todo-config', 'Deployment/backend']);
    expect(changedObjects('', objects).size).toBe(0);
  });

  it('counts the surge pod of every Deployment in the capacity it needs', () => {
    const template = { spec: { containers: [{ resources: { requests: { cpu: '100m', memory: '100Mi' } } }] } };
    const objects = [
      { ...obj('Deployment', 'a'), spec: { replicas: 2, template } },
      { ...obj('StatefulSet', 'b'), spec: { replicas: 1, template } },
      { ...obj('Job', 'c'), spec: { template } },
      obj('Service', 'a'),
    ];
    expect(requiredResources(objects)).toEqual({ cpuMillis: 500, memoryBytes: 500 * 2 ** 20 });
  });

  it('leaves postgres out for an external database and the Ingress out without a host', () => {
    const o = parseDeployArgs(['--dry-run']);
    expect(skippedFiles(o.env)).toContain('80-ingress.yaml');
    expect(skippedFiles({ ...o.env, DATABASE_URL: 'postgres://x/y', INGRESS_HOST: 'h' })).toEqual(['20-postgres.yaml']);
  });

  it('marks the namespace it renders, and renders none for a namespace someone else made', () => {
    const o = parseDeployArgs(['--dry-run', '--namespace', 'fix-ns']);
    const images = { frontend: 'r/f:1', backend: 'r/b:1', mcp_server: 'r/m:1' };
    const secret = { POSTGRES_PASSWORD: 'p', BETTER_AUTH_SECRET: 'b', MCP_INTERNAL_TOKEN: 'm', DATABASE_URL: 'postgres://x' };
    const own = render(o, images, secret, 'http://localhost:30080').flatMap((f) => f.objects);
    const ns = own.find((x) => x.kind === 'Namespace');
    expect(ns?.metadata.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'todo-deploy', 'app.kubernetes.io/part-of': 'todo-chatbot' });
    expect(createdByKit(ns!)).toBe(true);
    // Nothing else carries the mark: it says who created the namespace, not who manages the objects in it.
    expect(own.filter((x) => x.metadata.labels?.['app.kubernetes.io/managed-by'])).toHaveLength(1);
    const foreign = render(o, images, secret, 'http://localhost:30080', false);
    expect(foreign.map((f) => f.file)).not.toContain('00-namespace.yaml');
    expect(foreign.flatMap((f) => f.objects).length).toBe(own.length - 1);
  });
});

describe('teardown', () => {
  it('counts the Secret as the kit’s only when deploy.ts wrote it', () => {
    expect(secretWrittenByKit({ metadata: { managedFields: [{ manager: 'kubectl-create' }, { manager: 'todo-deploy' }] } })).toBe(true);
    expect(secretWrittenByKit({ metadata: { managedFields: [{ manager: 'kubectl-create' }] } })).toBe(false);
    expect(secretWrittenByKit({ metadata: {} })).toBe(false);
    expect(secretWrittenByKit(null)).toBe(false);
  });
});
