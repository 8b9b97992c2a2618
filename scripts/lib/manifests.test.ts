import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deployEnvSpecs, readEnv } from './env.js';
import { manifestValues } from './manifest-values.js';
import { allowed, type Endpoint } from '../../tests/lib/network-policy.js';
import { podTemplates, renderManifests, sha256, stampChecksums, type ContainerSpec, type K8sObject, type PodTemplate } from './render.js';
import { secretKeys } from './secrets.js';
import { schemaProblems } from './validate.js';

const k8sDir = fileURLToPath(new URL('../../k8s/', import.meta.url));
const images = { frontend: 'todo-frontend:f1f1f1f1f1f1', backend: 'todo-backend:b2b2b2b2b2b2', mcp_server: 'todo-mcp-server:c3c3c3c3c3c3' };

function render(envSource: Record<string, string> = {}, opts: { namespace?: string; nodePort?: number } = {}) {
  const env = readEnv(deployEnvSpecs, envSource);
  const values = manifestValues({ namespace: opts.namespace ?? 'todo', images, env, nodePort: opts.nodePort ?? 30080, appUrl: `http://192.168.49.2:${opts.nodePort ?? 30080}`, databaseUrlDigest: sha256('db') });
  const skip = [...(env.DATABASE_URL ? ['20-postgres.yaml'] : []), ...(env.INGRESS_HOST ? [] : ['80-ingress.yaml'])];
  const files = renderManifests(k8sDir, values, skip);
  stampChecksums(files, Object.fromEntries(secretKeys.map((k) => [k, sha256(`value of ${k}`)])));
  return files;
}

const objects = (files = render()) => files.flatMap((f) => f.objects);
const find = (objs: K8sObject[], kind: string, name: string) => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} not rendered`);
  return o as K8sObject & { spec: any; data?: Record<string, string> };
};
const containersOf = (t: PodTemplate): ContainerSpec[] => [...t.spec.containers, ...(t.spec.initContainers ?? [])];
const workloads = (objs: K8sObject[]) =>
  objs.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind)).map((o) => ({ owner: o, template: (o as any).spec.template as PodTemplate }));

describe('rendering', () => {
  it('renders every manifest with defaults, in apply order, with no placeholder left', () => {
    const files = render();
    expect(files.map((f) => f.file)).toEqual([
      '00-namespace.yaml', '10-config.yaml', '20-postgres.yaml', '30-migrate-job.yaml', '40-mcp-server.yaml', '50-backend.yaml', '60-frontend.yaml', '70-network-policies.yaml',
    ]);
    expect(JSON.stringify(files)).not.toContain('${');
    const objs = objects(files);
    expect(find(objs, 'Deployment', 'backend').spec.replicas).toBe(1);
    expect(find(objs, 'Service', 'frontend').spec.ports[0].nodePort).toBe(30080);
    expect(find(objs, 'ConfigMap', 'todo-config').data).toMatchObject({
      BETTER_AUTH_URL: 'http://192.168.49.2:30080',
      TRUSTED_ORIGINS: 'http://192.168.49.2:30080,http://localhost:30080,http://127.0.0.1:30080',
      MCP_SERVER_URL: 'http://mcp-server:8001/mcp',
      BACKEND_URL: 'http://backend:8000',
      AGENT_MAX_TURNS: '6',
    });
    expect(find(objs, "ConfigMap", "todo-config").data!.MCP_ALLOWED_HOSTS!.split(',')).toEqual(expect.arrayContaining(['mcp-server', 'mcp-server:8001']));
    expect(find(objs, 'StatefulSet', 'postgres').spec.template.spec.containers[0].image).toBe('postgres:17.6-alpine');
    const job = objs.find((o) => o.kind === 'Job')!;
    expect(job.metadata.name).toMatch(/^migrate-b2b2b2b2b2b2-[0-9a-f]{8}$/);
    expect((job as any).spec.template.spec.containers[0]).toMatchObject({ image: images.backend, command: ['node', 'dist/migrate.js'] });
  });

  it('renders custom values, drops postgres for an external database and adds the Ingress', () => {
    const files = render(
      {
        DATABASE_URL: 'postgres://u:p@db.example.com/app?sslmode=require',
        BACKEND_REPLICAS: '3',
        BETTER_AUTH_URL: 'https://todo.example.com',
        OPENAI_BASE_URL: 'http://ollama.example:11434/v1',
        POSTGRES_IMAGE: 'localhost:5000/postgres:17.6-alpine',
        INGRESS_HOST: 'todo.example.com',
        LOG_LEVEL: 'debug',
      },
      { namespace: 'todo-staging', nodePort: 31000 },
    );
    const objs = objects(files);
    expect(files.map((f) => f.file)).not.toContain('20-postgres.yaml');
    expect(files.map((f) => f.file)).toContain('80-ingress.yaml');
    expect(objs.some((o) => o.metadata.name === 'postgres')).toBe(false);
    expect(find(objs, 'Namespace', 'todo-staging')).toBeTruthy();
    expect(objs.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'todo-staging')).toBe(true);
    expect(find(objs, 'Deployment', 'backend').spec.replicas).toBe(3);
    expect(find(objs, 'Service', 'frontend').spec.ports[0].nodePort).toBe(31000);
    expect(find(objs, 'Ingress', 'frontend').spec.rules[0].host).toBe('todo.example.com');
    expect(find(objs, 'ConfigMap', 'todo-config').data).toMatchObject({ BETTER_AUTH_URL: 'https://todo.example.com', TRUSTED_ORIGINS: 'https://todo.example.com,http://192.168.49.2:31000,http://localhost:31000,http://127.0.0.1:31000', LOG_LEVEL: 'debug' });
    expect(find(objs, 'NetworkPolicy', 'backend').spec.egress.at(-1).ports[0].port).toBe(11434);
  });

  it('names every unset and unknown variable', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'k8s-'));
    writeFileSync(join(dir, '00-a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${NAME}\ndata:\n  a: "${UNSET_ONE}"\n  b: x-${TYPO_VAR}-y\n');
    expect(() => renderManifests(dir, { NAME: 'n', UNSET_ONE: undefined })).toThrow(
      /\$\{UNSET_ONE\} in 00-a.yaml has no value[\s\S]*\$\{TYPO_VAR\} in 00-a.yaml is not a variable the kit knows/,
    );
  });

  it('keeps a value that changes the YAML structure a plain string', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'k8s-'));
    writeFileSync(join(dir, '00-a.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: ${V}\n');
    const [file] = renderManifests(dir, { V: 'b\nc: "d"\n  - [e' });
    expect(file!.objects[0]!.data).toEqual({ a: 'b\nc: "d"\n  - [e' });
  });
});

describe('schema', () => {
  it.each([
    ['defaults', {}],
    ['external database + ingress', { DATABASE_URL: 'postgres://u:p@db.example.com/app', INGRESS_HOST: 'todo.example.com' }],
  ])('every rendered object validates against the Kubernetes OpenAPI schema (%s)', (_name, env) => {
    const objs = objects(render(env));
    expect(objs.length).toBeGreaterThan(10);
    expect(objs.flatMap(schemaProblems)).toEqual([]);
  });

  it('catches a schema violation (the check can fail)', () => {
    const bad = structuredClone(find(objects(), 'Deployment', 'backend'));
    bad.spec.replicas = 'three';
    expect(schemaProblems(bad).join('\n')).toMatch(/replicas must be integer/);
  });
});

describe('policy', () => {
  const objs = objects(render({ INGRESS_HOST: 'todo.example.com' }));

  it('labels, selectors and Service ports agree', () => {
    for (const o of objs) expect(o.metadata.labels?.['app.kubernetes.io/part-of'], `${o.kind}/${o.metadata.name}`).toBe('todo-chatbot');
    for (const { owner, template } of workloads(objs)) {
      const name = owner.metadata.labels?.['app.kubernetes.io/name'];
      expect(template.metadata.labels?.['app.kubernetes.io/name']).toBe(name);
      if (owner.kind !== 'Job') expect((owner as any).spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': name });
    }
    for (const svc of objs.filter((o) => o.kind === 'Service') as any[]) {
      const target = workloads(objs).find((w) => w.template.metadata.labels?.['app.kubernetes.io/name'] === svc.spec.selector['app.kubernetes.io/name']);
      expect(target, `Service ${svc.metadata.name} selects a workload`).toBeTruthy();
      const ports = target!.template.spec.containers.flatMap((c: any) => c.ports ?? []);
      for (const p of svc.spec.ports) expect(ports.map((cp: any) => cp.name), `Service ${svc.metadata.name} targetPort`).toContain(p.targetPort);
    }
    for (const pdb of objs.filter((o) => o.kind === 'PodDisruptionBudget') as any[]) {
      expect(workloads(objs).some((w) => w.template.metadata.labels?.['app.kubernetes.io/name'] === pdb.spec.selector.matchLabels['app.kubernetes.io/name'])).toBe(true);
    }
    const ingress = find(objs, 'Ingress', 'frontend');
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'frontend', port: { name: 'http' } });
  });

  it('every container has probes, limits, requests and the restricted securityContext; no :latest; no SA token', () => {
    for (const { owner, template } of workloads(objs)) {
      const where = `${owner.kind}/${owner.metadata.name}`;
      expect(template.spec.automountServiceAccountToken, where).toBe(false);
      expect(template.spec.securityContext, where).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      for (const c of containersOf(template) as any[]) {
        expect(c.securityContext, where).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(Object.keys(c.resources.requests).sort(), where).toEqual(['cpu', 'memory']);
        expect(Object.keys(c.resources.limits).sort(), where).toEqual(['cpu', 'memory']);
        expect(c.image, where).toMatch(/:[\w.-]+$|@sha256:/);
        expect(c.image, where).not.toMatch(/:latest$/);
        expect(c.imagePullPolicy, where).toBe('IfNotPresent');
        if (owner.kind !== 'Job') {
          expect(c.readinessProbe, where).toBeTruthy();
          expect(c.livenessProbe, where).toBeTruthy();
          expect(c.startupProbe, where).toBeTruthy();
        }
      }
    }
    expect(find(objs, 'Deployment', 'backend').spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/ready');
  });

  it('Deployments roll without dropping capacity', () => {
    for (const d of objs.filter((o) => o.kind === 'Deployment') as any[]) {
      expect(d.spec.strategy.rollingUpdate.maxUnavailable, d.metadata.name).toBe(0);
      expect(d.spec.template.spec.containers[0].lifecycle.preStop, d.metadata.name).toBeTruthy();
    }
  });

  it('every Secret key referenced is one deploy creates, and secrets arrive only through secretKeyRef', () => {
    const referenced = new Set<string>();
    for (const { template } of workloads(objs)) {
      for (const c of containersOf(template)) {
        for (const e of c.env ?? []) {
          if (e.valueFrom?.secretKeyRef) {
            expect(e.valueFrom.secretKeyRef.name).toBe('todo-secrets');
            referenced.add(e.valueFrom.secretKeyRef.key);
          }
          if (/SECRET|TOKEN|PASSWORD|API_KEY|DATABASE_URL/.test(e.name)) expect(e.value, e.name).toBeUndefined();
        }
      }
    }
    expect([...referenced].filter((k) => !(secretKeys as readonly string[]).includes(k))).toEqual([]);
    const config = find(objs, 'ConfigMap', 'todo-config').data!;
    for (const key of secretKeys) expect(Object.keys(config)).not.toContain(key);
    for (const { template } of workloads(objs)) {
      for (const e of containersOf(template).flatMap((c) => c.env ?? [])) {
        if (e.valueFrom?.configMapKeyRef) expect(Object.keys(config)).toContain(e.valueFrom.configMapKeyRef.key);
      }
    }
  });

  it('a changed value re-stamps exactly the pod templates that read it', () => {
    const checksums = (files: ReturnType<typeof render>) =>
      Object.fromEntries(podTemplates(files.flatMap((f) => f.objects)).map(({ owner, template }) => [owner.metadata.name, JSON.stringify(template.metadata.annotations)]));
    const base = checksums(render());
    expect(checksums(render())).toEqual(base);
    const changedModel = checksums(render({ OPENAI_MODEL: 'other-model' }));
    expect(Object.keys(base).filter((n) => base[n] !== changedModel[n])).toEqual(['backend']);
    const changedHosts = checksums(render({ LOG_LEVEL: 'debug' }));
    expect(Object.keys(base).filter((n) => base[n] !== changedHosts[n]).sort()).toEqual(['backend', 'mcp-server']);
  });
});

describe('network policies allow exactly the intended flows', () => {
  const objs = objects(render());
  const ns = { namespace: 'todo', namespaceLabels: { 'kubernetes.io/metadata.name': 'todo' } };
  const pod = (name: string): Endpoint => ({ ...ns, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'todo-chatbot' } });
  const endpoints: Record<string, Endpoint> = {
    frontend: pod('frontend'),
    backend: pod('backend'),
    'mcp-server': pod('mcp-server'),
    postgres: pod('postgres'),
    migrate: pod('migrate'),
    dns: { namespace: 'kube-system', namespaceLabels: { 'kubernetes.io/metadata.name': 'kube-system' }, labels: { 'k8s-app': 'kube-dns' } },
    'other-ns-pod': { namespace: 'other', namespaceLabels: { 'kubernetes.io/metadata.name': 'other' }, labels: { app: 'x' } },
    internet: { ip: '203.0.113.9' },
  };
  const ports: Record<string, number[]> = {
    frontend: [3000], backend: [8000], 'mcp-server': [8001], postgres: [5432], migrate: [], dns: [53], 'other-ns-pod': [8080], internet: [443, 5432, 80],
  };
  const intended = new Set([
    // The frontend is the public entry point: any client, inside the cluster or out.
    'internet->frontend:3000', 'other-ns-pod->frontend:3000', 'dns->frontend:3000',
    'frontend->backend:8000',
    'backend->mcp-server:8001',
    'backend->postgres:5432', 'mcp-server->postgres:5432', 'migrate->postgres:5432',
    'backend->internet:443',
    // An external DATABASE_URL: the egress side allows 5432 anywhere, and only the database clients have it.
    'backend->internet:5432', 'mcp-server->internet:5432', 'migrate->internet:5432',
    ...['frontend', 'backend', 'mcp-server', 'postgres', 'migrate'].flatMap((p) => [`${p}->dns:53/UDP`, `${p}->dns:53`]),
  ]);

  it('matches the intended flow matrix', () => {
    const actual = new Set<string>();
    for (const [fromName, from] of Object.entries(endpoints)) {
      for (const [toName, to] of Object.entries(endpoints)) {
        if (fromName === toName) continue;
        // Traffic between two places outside the namespace is none of these policies' business.
        if (!from.labels?.['app.kubernetes.io/part-of'] && !to.labels?.['app.kubernetes.io/part-of']) continue;
        for (const port of ports[toName]!) {
          if (allowed(objs, from, to, port, 'TCP')) actual.add(`${fromName}->${toName}:${port}`);
          if (port === 53 && allowed(objs, from, to, port, 'UDP')) actual.add(`${fromName}->${toName}:${port}/UDP`);
        }
      }
    }
    expect([...actual].sort()).toEqual([...intended].sort());
  });

  it('the evaluator itself denies what a missing policy would allow', () => {
    const withoutMcpPolicy = objs.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'mcp-server'));
    expect(allowed(objs, endpoints.frontend!, endpoints['mcp-server']!, 8001)).toBe(false);
    expect(allowed(withoutMcpPolicy, endpoints.backend!, endpoints['mcp-server']!, 8001)).toBe(false); // default deny still holds
    const noDefaultDeny = withoutMcpPolicy.filter((o) => o.metadata.name !== 'default-deny');
    expect(allowed(noDefaultDeny, endpoints.backend!, endpoints['mcp-server']!, 8001)).toBe(true);
  });
});
