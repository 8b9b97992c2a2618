import { describe, expect, it } from 'vitest';
import { changedObjects, parseDeployArgs, requiredResources, skippedFiles } from './deploy.js';
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
});
