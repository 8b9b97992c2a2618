import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { $ } from 'zx';
import { kubectl } from './lib/kube.js';
import { names, net } from './lib/layout.js';
import { describeTier } from '../lib/tier.js';
import { ensureClusterUp, missingPrerequisites } from './lib/tier.js';

/**
 * The test cluster does what the deploy kit relies on: an image built by the host's Docker and pushed to the local
 * registry runs behind ClusterIP and NodePort Services, pods resolve Service names, and pods reach ClusterIPs.
 */
const ns = `smoke-${Date.now().toString(36)}`;
const labels = { 'app.kubernetes.io/name': 'smoke' };

/** One static binary: an HTTP server, and the client commands the test runs inside the pods. */
const smokeMain = `package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	switch os.Args[1] {
	case "serve":
		host, _ := os.Hostname()
		http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "smoke %s\\n", host) })
		panic(http.ListenAndServe(":8080", nil))
	case "get":
		client := http.Client{Timeout: 3 * time.Second}
		res, err := client.Get(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		body, _ := io.ReadAll(res.Body)
		fmt.Print(string(body))
	case "lookup":
		ips, err := net.LookupHost(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(strings.Join(ips, " "))
	}
}
`;

async function retry<T>(timeoutMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const exec = (args: string[]) => kubectl(['-n', ns, 'exec', 'deploy/smoke', '--', '/smoke', ...args]).nothrow();

describeTier('cluster', missingPrerequisites(), 'test cluster smoke', () => {
  let clusterIp = '';
  let nodePort = 0;
  let work = '';
  let image = '';

  beforeAll(async () => {
    await ensureClusterUp();
    work = await mkdtemp(join(tmpdir(), 'cluster-smoke-'));
  });

  afterAll(async () => {
    await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']).nothrow();
    if (work) await rm(work, { recursive: true, force: true });
    // The registry keeps the pushed image; the host's copy is only in the way.
    if (image) await $({ quiet: true })`docker ${['rmi', image]}`.nothrow();
  });

  test('an image pushed to the local registry serves behind ClusterIP and NodePort', async () => {
    await writeFile(join(work, 'go.mod'), 'module smoke\n\ngo 1.22\n');
    await writeFile(join(work, 'main.go'), smokeMain);
    await writeFile(join(work, 'Dockerfile'), 'FROM scratch\nCOPY smoke /smoke\nENTRYPOINT ["/smoke"]\n');
    const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-buildvcs=false' };
    await $({ cwd: work, env, quiet: true })`go build ${['-ldflags', '-s -w', '-o', 'smoke', '.']}`;
    image = `${names.registry}/todo-test-smoke:${Date.now().toString(36)}`;
    const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '0' };
    await $({ cwd: work, env: dockerEnv, quiet: true })`docker ${['build', '-q', '-t', image, '.']}`;
    await $({ quiet: true })`docker ${['push', image]}`;

    const manifests = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'smoke', namespace: ns, labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'smoke',
                  image,
                  args: ['serve'],
                  ports: [{ containerPort: 8080 }],
                  readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
                  securityContext: { runAsUser: 65534, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
                },
              ],
            },
          },
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'smoke', namespace: ns },
        spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'smoke-nodeport', namespace: ns },
        spec: { type: 'NodePort', selector: labels, ports: [{ port: 80, targetPort: 8080 }] },
      },
    ];
    await kubectl(['apply', '-f', '-'], manifests.map((m) => stringify(m)).join('---\n'));
    const started = Date.now();
    await kubectl(['-n', ns, 'rollout', 'status', 'deployment/smoke', '--timeout=120s']);
    console.log(`smoke Deployment (2 replicas) available in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    clusterIp = (await kubectl(['-n', ns, 'get', 'service', 'smoke', '-o', 'jsonpath={.spec.clusterIP}'])).stdout.trim();
    nodePort = Number((await kubectl(['-n', ns, 'get', 'service', 'smoke-nodeport', '-o', 'jsonpath={.spec.ports[0].nodePort}'])).stdout);
    expect(clusterIp).toMatch(/^10\.201\./);
    expect(nodePort).toBeGreaterThanOrEqual(30000);

    // kube-proxy programs a new Service within its sync period: until then the port refuses connections.
    const body = await retry(10_000, async () => (await fetch(`http://${net.nodeIp}:${nodePort}/`)).text());
    expect(body).toMatch(/^smoke smoke-/);
  });

  test('pods resolve Service names through cluster DNS', async () => {
    const short = await exec(['lookup', 'smoke']);
    expect(short.stderr).toBe('');
    expect(short.stdout.trim()).toBe(clusterIp);
    const full = await exec(['lookup', `smoke.${ns}.svc.cluster.local`]);
    expect(full.stdout.trim()).toBe(clusterIp);
    const api = await exec(['lookup', 'kubernetes.default']);
    expect(api.stdout.trim()).toBe(net.kubernetesServiceIp);
  });

  test('pods reach a ClusterIP, by address and by name', async () => {
    const byIp = await exec(['get', `http://${clusterIp}/`]);
    expect(byIp.stdout).toMatch(/^smoke smoke-/);
    const byName = await exec(['get', 'http://smoke/']);
    expect(byName.stdout).toMatch(/^smoke smoke-/);
  });

  test('reports whether the network enforces NetworkPolicy', async () => {
    const url = `http://${clusterIp}/`;
    expect((await exec(['get', url])).stdout).toMatch(/^smoke smoke-/);
    // Deny all ingress to the smoke pods, then try the same request that just worked.
    const denyAll = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny-all', namespace: ns },
      spec: { podSelector: {}, policyTypes: ['Ingress'] },
    };
    await kubectl(['apply', '-f', '-'], stringify(denyAll));
    await new Promise((r) => setTimeout(r, 3000));
    const after = await exec(['get', url]);
    const enforced = !/^smoke smoke-/.test(after.stdout);
    console.log(
      enforced
        ? 'NetworkPolicy: enforced by the test cluster network'
        : 'NetworkPolicy: NOT enforced: the test cluster uses the bridge CNI plugin, which ignores NetworkPolicy objects',
    );
    // The bridge plugin has no policy engine; if this changes, the README's statement about the test cluster must too.
    expect(enforced).toBe(false);
  });
});
