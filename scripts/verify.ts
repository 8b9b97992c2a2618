// Read-only proof that a deployment works, through the same entry point a browser uses.
import { randomBytes } from 'node:crypto';
import { $ } from 'zx';
import { commonOptions, isEntry, parseCommand, runMain, ScriptError, UsageError, type CommandSpec } from './lib/args.js';
import { $k, getJson, getJsonOrNull, kube, resolveContext, type Target } from './lib/kubectl.js';
import { formatSeconds, log } from './lib/log.js';

export const spec = {
  command: 'npx tsx scripts/verify.ts',
  summary: [
    'Checks the deployed app end to end and prints a table of checks (exit 1 if any fails): workloads available,',
    'pods Ready, the migrate Job complete; then through the frontend (a port-forward to svc/frontend, or --url):',
    'sign up a throwaway user, create/list/complete/delete a task, a chat turn that calls a tool; and MCP tools/list',
    'from inside the backend pod, so the internal token never leaves the cluster. Changes nothing but its own test data.',
  ].join('\n'),
  options: {
    ...commonOptions,
    url: { type: 'string', valueName: 'URL', description: 'the frontend’s URL (default: a port-forward to svc/frontend)' },
    json: { type: 'boolean', default: false, description: 'print the checks as JSON on stdout' },
  },
  examples: ['npx tsx scripts/verify.ts', 'npx tsx scripts/verify.ts --url http://192.168.49.2:30080 --json'],
} as const satisfies CommandSpec;

export interface Check {
  name: string;
  ok: boolean;
  ms: number;
  detail: string;
}

export function parseVerifyArgs(argv: string[]) {
  const { values } = parseCommand(spec, argv);
  if (values.url !== undefined) {
    let u: URL;
    try {
      u = new URL(values.url);
    } catch {
      throw new UsageError(`--url must be an http(s) URL, got '${values.url}'`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must be an http(s) URL, got '${values.url}'`);
  }
  return { url: values.url?.replace(/\/+$/, ''), json: values.json, context: values.context, namespace: values.namespace };
}

/** Runs inside the backend pod: reads the token and the MCP URL from the pod's own environment. */
export const mcpToolsListScript = `
const url = process.env.MCP_SERVER_URL, token = process.env.MCP_INTERNAL_TOKEN;
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: 'Bearer ' + token, 'mcp-protocol-version': '2025-06-18' };
const post = async (body) => {
  const r = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok) throw new Error('HTTP ' + r.status + ' ' + text.slice(0, 200));
  const data = text.split('\\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5)).pop() ?? text;
  return JSON.parse(data);
};
(async () => {
  await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'verify', version: '1' } } });
  const list = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  console.log(JSON.stringify(list.result.tools.map((t) => t.name)));
})().catch((e) => { console.error(e.message); process.exit(1); });
`;

async function portForward(t: Target): Promise<{ url: string; stop: () => Promise<void> }> {
  const pf = $k`kubectl ${kube(t)} port-forward svc/frontend :3000`.nothrow();
  const port = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new ScriptError(`port-forward to svc/frontend did not start: ${seen.trim()}`, 'is the frontend deployed? npx tsx scripts/status.ts')), 20_000);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(seen);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    pf.stdout.on('data', onData);
    pf.stderr.on('data', onData);
    void pf.then((r) => {
      clearTimeout(timer);
      reject(new ScriptError(`port-forward to svc/frontend exited: ${r.stderr.trim()}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, stop: async () => void (await pf.kill().catch(() => undefined)) };
}

async function http(method: string, url: string, body?: unknown, token?: string, origin?: string): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(origin ? { origin } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text for the report
  }
  return { status: res.status, json, headers: res.headers };
}

function expectStatus(r: { status: number; json: unknown }, ...ok: number[]): void {
  if (!ok.includes(r.status)) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.json).slice(0, 200)}`);
}

export const apiCheckNames = ['sign up', 'create task', 'list tasks', 'complete task', 'delete task', 'chat turn calls a tool'];

type CheckFn = (name: string, fn: () => Promise<string>) => Promise<boolean>;

/**
 * The API round trip a user makes, through whatever serves /api (the frontend, or the backend itself in tests).
 * `origin` is the app's public origin (BETTER_AUTH_URL): Better Auth refuses sign-ups from any other origin.
 */
export async function apiChecks(base: string, origin: string, check: CheckFn, skip: (name: string, why: string) => void): Promise<void> {
  const id = randomBytes(4).toString('hex');
  let token = '';
  let userId = '';
  const signedUp = await check('sign up', async () => {
    const r = await http('POST', `${base}/api/auth/sign-up/email`, { email: `verify-${id}@example.com`, password: randomBytes(12).toString('base64url'), name: `verify ${id}` }, undefined, origin);
    expectStatus(r, 200);
    token = r.headers.get('set-auth-token') ?? r.json?.token ?? '';
    userId = r.json?.user?.id ?? '';
    if (!token || !userId) throw new Error('no token or user id in the sign-up response');
    log.addSecret(token);
    return `user verify-${id}@example.com`;
  });
  if (!signedUp) {
    for (const n of apiCheckNames.slice(1)) skip(n, 'sign-up failed');
    return;
  }
  const tasks = `${base}/api/${encodeURIComponent(userId)}/tasks`;
  let taskId = 0;
  await check('create task', async () => {
    const r = await http('POST', tasks, { title: `verify ${id}`, description: 'made by verify.ts' }, token);
    expectStatus(r, 200, 201);
    taskId = r.json?.id;
    if (!Number.isInteger(taskId)) throw new Error(`no integer id in ${JSON.stringify(r.json)}`);
    return `task ${taskId}`;
  });
  await check('list tasks', async () => {
    const r = await http('GET', tasks, undefined, token);
    expectStatus(r, 200);
    const list = Array.isArray(r.json) ? r.json : (r.json?.tasks ?? []);
    if (!list.some((x: { id: number }) => x.id === taskId)) throw new Error('the new task is not listed');
    return `${list.length} task(s)`;
  });
  await check('complete task', async () => {
    const r = await http('PATCH', `${tasks}/${taskId}/complete`, undefined, token);
    expectStatus(r, 200);
    if (r.json?.completed !== true) throw new Error(`completed is ${r.json?.completed}`);
    return 'completed: true';
  });
  await check('delete task', async () => {
    expectStatus(await http('DELETE', `${tasks}/${taskId}`, undefined, token), 200, 204);
    const gone = await http('GET', `${tasks}/${taskId}`, undefined, token);
    if (gone.status !== 404) throw new Error(`GET after DELETE gave ${gone.status}`);
    return 'deleted, then 404';
  });
  await check('chat turn calls a tool', async () => {
    const title = `verify-${id}`;
    const r = await http('POST', `${base}/api/${encodeURIComponent(userId)}/chat`, { message: `add ${title}` }, token);
    expectStatus(r, 200);
    const calls: { name?: string }[] = r.json?.tool_calls ?? [];
    const names = calls.map((c) => c.name ?? '?');
    if (!names.includes('add_task')) throw new Error(`tool_calls were [${names.join(', ')}], expected add_task`);
    const list = await http('GET', tasks, undefined, token);
    const made = (Array.isArray(list.json) ? list.json : []).find((x: { title: string }) => x.title.includes(title));
    if (!made) throw new Error(`no task titled ${title} after the chat turn`);
    await http('DELETE', `${tasks}/${made.id}`, undefined, token);
    return `add_task -> task ${made.id} "${made.title}"`;
  });
}

export async function main(argv: string[]): Promise<number> {
  const o = parseVerifyArgs(argv);
  const ctx = await resolveContext(o.context);
  const t: Target = { context: ctx.name, namespace: o.namespace };
  const checks: Check[] = [];
  const check = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    const t0 = Date.now();
    const progress = o.json ? undefined : log.progress(name);
    progress?.update('running');
    try {
      const detail = await fn();
      checks.push({ name, ok: true, ms: Date.now() - t0, detail });
      progress?.done(`${name}: ${detail}`);
      return true;
    } catch (err) {
      const detail = (err as Error).message;
      checks.push({ name, ok: false, ms: Date.now() - t0, detail });
      progress?.fail(`${name}: ${detail}`);
      return false;
    }
  };
  const skip = (name: string, why: string) => checks.push({ name, ok: false, ms: 0, detail: `skipped: ${why}` });

  if (!o.json) log.step(`Verify ${t.namespace} on ${t.context}`);

  await check('workloads available', async () => {
    const list = await getJson<{ items: { kind: string; metadata: { name: string }; spec: { replicas?: number }; status?: { readyReplicas?: number; availableReplicas?: number } }[] }>([
      ...kube(t), 'get', 'deployments,statefulsets',
    ]);
    const expected = ['frontend', 'backend', 'mcp-server'];
    const missing = expected.filter((n) => !list.items.some((i) => i.metadata.name === n));
    if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
    const short = list.items.filter((i) => (i.status?.readyReplicas ?? 0) < (i.spec.replicas ?? 1));
    if (short.length) throw new Error(short.map((i) => `${i.metadata.name} ${i.status?.readyReplicas ?? 0}/${i.spec.replicas}`).join(', '));
    return list.items.map((i) => `${i.metadata.name} ${i.status?.readyReplicas ?? 0}/${i.spec.replicas ?? 1}`).join(', ');
  });
  await check('pods ready, probes green', async () => {
    const pods = await getJson<{ items: { metadata: { name: string }; status?: { phase?: string; conditions?: { type: string; status: string }[] } }[] }>([
      ...kube(t), 'get', 'pods', '-l', 'app.kubernetes.io/name in (frontend,backend,mcp-server,postgres)',
    ]);
    const notReady = pods.items.filter((p) => p.status?.phase !== 'Succeeded' && !p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    if (notReady.length) throw new Error(`not ready: ${notReady.map((p) => p.metadata.name).join(', ')}`);
    return `${pods.items.length} pods Ready`;
  });
  await check('migrations applied', async () => {
    const jobs = await getJson<{ items: { metadata: { name: string }; status?: { succeeded?: number } }[] }>([...kube(t), 'get', 'jobs', '-l', 'app.kubernetes.io/name=migrate']);
    const done = jobs.items.filter((j) => (j.status?.succeeded ?? 0) > 0);
    if (!done.length) throw new Error('no completed migrate Job');
    return `job/${done.at(-1)!.metadata.name} complete`;
  });

  const forward = o.url ? undefined : await portForward(t).catch((err: Error) => err);
  const base = o.url ?? (forward instanceof Error ? undefined : forward?.url);
  try {
    if (!base) {
      for (const n of ['frontend health', ...apiCheckNames]) skip(n, (forward as Error).message);
    } else {
      const healthy = await check('frontend health', async () => {
        const r = await http('GET', `${base}/api/health`);
        expectStatus(r, 200);
        return `GET /api/health 200 via ${o.url ? base : 'port-forward'}`;
      });
      // The origin the app is configured for; the port-forward's own address is not one Better Auth trusts.
      const config = await getJsonOrNull<{ data?: Record<string, string> }>([...kube(t), 'get', 'configmap', 'todo-config']).catch(() => null);
      const origin = config?.data?.BETTER_AUTH_URL ?? new URL(base).origin;
      if (healthy) await apiChecks(base, origin, check, skip);
      else for (const n of apiCheckNames) skip(n, 'frontend unreachable');
    }
  } finally {
    if (forward && !(forward instanceof Error)) await forward.stop();
  }

  await check('MCP tools/list inside the cluster', async () => {
    const out = await $k`kubectl ${kube(t)} exec deploy/backend -c backend -- node -e ${mcpToolsListScript}`.nothrow();
    if (out.exitCode !== 0) throw new Error(out.stderr.trim().split('\n').pop() ?? `exit ${out.exitCode}`);
    const tools = JSON.parse(out.stdout.trim().split('\n').pop()!) as string[];
    const expected = ['add_task', 'list_tasks', 'complete_task', 'delete_task', 'update_task'];
    const missing = expected.filter((n) => !tools.includes(n));
    if (missing.length) throw new Error(`missing tools: ${missing.join(', ')}`);
    return tools.join(', ');
  });

  const ok = checks.every((c) => c.ok);
  if (o.json) process.stdout.write(`${log.mask(JSON.stringify({ ok, context: t.context, namespace: t.namespace, checks }, null, 2))}\n`);
  else log.table(['check', 'result', 'time', 'detail'], checks.map((c) => [c.name, c.ok ? 'pass' : 'FAIL', formatSeconds(c.ms), c.detail]));
  return ok ? 0 : 1;
}

if (isEntry(import.meta.url)) runMain(spec, main);
