import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuMillis, createdByKit, currentPods, isLocalServer, parseQuantity, podRequests, stalePullPods } from './kubectl.js';
import { parseDockerEnv } from './minikube.js';

describe('quantities', () => {
  it.each([
    ['500m', 0.5], ['2', 2], ['128Mi', 128 * 2 ** 20], ['1Gi', 2 ** 30], ['4005420Ki', 4005420 * 1024], ['1G', 1e9], ['129M', 129e6],
  ])('%s', (q, v) => expect(parseQuantity(q)).toBeCloseTo(v));
  it('cpu in millicores and pod requests with init containers', () => {
    expect(cpuMillis('1.5')).toBe(1500);
    expect(
      podRequests({
        containers: [{ resources: { requests: { cpu: '50m', memory: '64Mi' } } }, { resources: { requests: { cpu: '25m' } } }],
        initContainers: [{ resources: { requests: { cpu: '500m', memory: '16Mi' } } }],
      }),
    ).toEqual({ cpuMillis: 500, memoryBytes: 64 * 2 ** 20 });
  });
});

describe('contexts', () => {
  it.each([
    ['https://127.0.0.1:32771', true], ['https://192.168.49.2:8443', true], ['https://localhost:6443', true],
    ['https://k8s.example.com', false], ['https://10.200.0.1:6443', false],
  ])('%s local=%s', (server, local) => expect(isLocalServer(server)).toBe(local));
});

describe('currentPods', () => {
  const pod = (name: string, labels: Record<string, string>) => ({ kind: 'Pod', metadata: { name, labels } });
  it('keeps only the pods of the Deployment’s current ReplicaSet', () => {
    const items = [
      { kind: 'Deployment', metadata: { name: 'backend', annotations: { 'deployment.kubernetes.io/revision': '3' } } },
      { kind: 'ReplicaSet', metadata: { name: 'backend-old', labels: { 'pod-template-hash': 'old' }, annotations: { 'deployment.kubernetes.io/revision': '2' } } },
      { kind: 'ReplicaSet', metadata: { name: 'backend-new', labels: { 'pod-template-hash': 'new' }, annotations: { 'deployment.kubernetes.io/revision': '3' } } },
      pod('backend-old-1', { 'pod-template-hash': 'old' }),
      pod('backend-new-1', { 'pod-template-hash': 'new' }),
    ];
    expect(currentPods('deployment', 'backend', items).map((p) => p.metadata.name)).toEqual(['backend-new-1']);
  });
  it('StatefulSet by update revision, Job by job-name', () => {
    const items = [
      { kind: 'StatefulSet', metadata: { name: 'postgres' }, status: { updateRevision: 'postgres-abc' } },
      pod('postgres-0', { 'controller-revision-hash': 'postgres-abc' }),
      pod('migrate-x-1', { 'job-name': 'migrate-x' }),
      pod('migrate-y-1', { 'job-name': 'migrate-y' }),
    ];
    expect(currentPods('statefulset', 'postgres', items).map((p) => p.metadata.name)).toEqual(['postgres-0']);
    expect(currentPods('job', 'migrate-x', items).map((p) => p.metadata.name)).toEqual(['migrate-x-1']);
  });
});

describe('a StatefulSet pod stuck on an image pull (recorded on a real cluster)', () => {
  // postgres-0 ran a bad image tag (revision postgres-6445d64579); the good template was applied again (postgres-5fbd9df75d).
  const recorded = (name: string) =>
    (JSON.parse(readFileSync(new URL(`../../tests/fixtures/statefulset-stuck-pull/${name}.json`, import.meta.url), 'utf8')) as { items: Parameters<typeof stalePullPods>[1] }).items;

  it('an older revision’s pod in ImagePullBackOff/ErrImagePull is deleted so the controller recreates it', () => {
    expect(stalePullPods('postgres', recorded('old-revision-stuck'))).toEqual([
      { pod: 'postgres-0', revision: 'postgres-6445d64579', updateRevision: 'postgres-5fbd9df75d', reason: 'ImagePullBackOff' },
    ]);
    // The stuck pod is not this rollout's: the gate waits for the recreated one instead of failing on it.
    expect(currentPods('statefulset', 'postgres', recorded('old-revision-stuck'))).toEqual([]);
  });
  it('a pod of the current revision that cannot pull is the rollout’s own failure, not something to delete', () => {
    expect(stalePullPods('postgres', recorded('bad-current-revision'))).toEqual([]);
    expect(currentPods('statefulset', 'postgres', recorded('bad-current-revision')).map((p) => p.metadata.name)).toEqual(['postgres-0']);
  });
  it('leaves a pod already being deleted and the recreated pod alone', () => {
    expect(stalePullPods('postgres', recorded('old-revision-deleting'))).toEqual([]);
    expect(stalePullPods('postgres', recorded('recreated'))).toEqual([]);
    expect(stalePullPods('other', recorded('old-revision-stuck'))).toEqual([]);
  });
  it('trusts the revisions only once the controller has seen the applied spec', () => {
    const items = recorded('old-revision-stuck').map((i) => (i.kind === 'StatefulSet' ? { ...i, metadata: { ...i.metadata, generation: 4 } } : i));
    expect(stalePullPods('postgres', items)).toEqual([]);
    expect(currentPods('statefulset', 'postgres', items)).toEqual([]);
  });
});

describe('namespace ownership', () => {
  it('only the managed-by mark deploy.ts sets makes a namespace the kit’s', () => {
    expect(createdByKit({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'todo-deploy', 'app.kubernetes.io/part-of': 'todo-chatbot' } } })).toBe(true);
    expect(createdByKit({ metadata: { labels: { 'app.kubernetes.io/part-of': 'todo-chatbot' } } })).toBe(false);
    expect(createdByKit({ metadata: { labels: { 'app.kubernetes.io/managed-by': 'helm' } } })).toBe(false);
    expect(createdByKit({ metadata: {} })).toBe(false);
    expect(createdByKit(null)).toBe(false);
  });
});

describe('minikube docker-env', () => {
  it('parses --shell none output', () => {
    expect(parseDockerEnv('DOCKER_TLS_VERIFY=1\nDOCKER_HOST=tcp://192.168.49.2:2376\nDOCKER_CERT_PATH=/home/u/.minikube/certs\nMINIKUBE_ACTIVE_DOCKERD=minikube\n')).toEqual({
      DOCKER_TLS_VERIFY: '1',
      DOCKER_HOST: 'tcp://192.168.49.2:2376',
      DOCKER_CERT_PATH: '/home/u/.minikube/certs',
      MINIKUBE_ACTIVE_DOCKERD: 'minikube',
    });
  });
});
