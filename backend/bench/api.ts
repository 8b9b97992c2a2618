// Measures the tasks API at fixed request rates and the chat turn with the offline model, against real
// PostgreSQL, with backend and MCP server running as their own processes exactly as `src/main.ts` starts them.
// The load is open-loop: request i leaves at start + i/rate whether or not earlier ones have returned, so a slow
// answer cannot hide the queue behind it (tools that send each second's quota in a burst measure their own burst).
//
//   TEST_POSTGRES_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres npm run bench -w @todo/backend
//   options: --rates 50,100,200  --duration 15  --turns 200
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, waitReady } from './processes.js';
import { Agent, request as httpRequest } from 'node:http';
import pg from 'pg';
import { migrateDatabase, openDatabase } from '../src/db/index.js';

const root = resolve(import.meta.dirname, '../..');
const ORIGIN = 'http://localhost:3000';

function usage(message?: string): never {
  if (message) console.error(`error: ${message}\n`);
  console.error('usage: TEST_POSTGRES_URL=postgres://... npm run bench -w @todo/backend -- [--rates 50,100,200] [--duration S] [--turns N]');
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        rates: { type: 'string', default: '50,100,200' },
        duration: { type: 'string', default: '15' },
        turns: { type: 'string', default: '200' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage((err as Error).message);
  }
})();
if (values.help) usage();
const rates = values.rates.split(',').map(Number);
const duration = Number(values.duration);
const turns = Number(values.turns);
if (rates.some((r) => !Number.isInteger(r) || r < 1) || !(duration >= 1) || !Number.isInteger(turns) || turns < 10) {
  usage('rates must be positive integers, duration >= 1, turns >= 10');
}
const serverUrl = process.env.TEST_POSTGRES_URL ?? process.env.BENCH_POSTGRES_URL;
if (!serverUrl) usage('set TEST_POSTGRES_URL to a PostgreSQL server; the benchmark makes (and drops) its own database on it');

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function run(entry: string, env: Record<string, string>): ChildProcess {
  const profile = process.env.BENCH_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  return spawn(process.execPath, [...profile, '--import', 'tsx', entry], {
    cwd: root,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined where there is no /proc. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks, 100 per second on Linux
  } catch {
    return undefined;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function main(): Promise<void> {
  const name = `todo_bench_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  const children: ChildProcess[] = [];
  try {
    const handle = await openDatabase({ url: url.toString() });
    await migrateDatabase(handle);
    await handle.close();

    const [mcpPort, backendPort] = [await freePort(), await freePort()];
    const token = randomBytes(24).toString('base64url');
    const common = { DATABASE_URL: url.toString(), MCP_INTERNAL_TOKEN: token, HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    children.push(run('mcp_server/src/main.ts', { ...common, PORT: String(mcpPort) }));
    children.push(
      run('backend/src/main.ts', {
        ...common,
        PORT: String(backendPort),
        BETTER_AUTH_SECRET: randomBytes(32).toString('base64url'),
        MCP_SERVER_URL: `http://127.0.0.1:${mcpPort}/mcp`,
      }),
    );
    const base = `http://127.0.0.1:${backendPort}`;
    await waitReady(`http://127.0.0.1:${mcpPort}/health`, children[0]);
    await waitReady(`${base}/ready`, children[1]);

    const signUp = await fetch(`${base}/api/auth/sign-up/email`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: ORIGIN },
      body: JSON.stringify({ email: `bench-${name}@example.test`, password: randomBytes(12).toString('hex'), name: 'bench' }),
    });
    const { token: bearer, user } = (await signUp.json()) as { token: string; user: { id: string } };
    const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/api/${user.id}/tasks`, { method: 'POST', headers, body: JSON.stringify({ title: `task ${i}` }) });
      ids.push(((await res.json()) as { id: number }).id);
    }

    // A realistic mix: the list is what every page load and refresh asks for; reads and toggles of one task follow.
    const mix: { method: string; path: string }[] = [
      { method: 'GET', path: `/api/${user.id}/tasks` },
      { method: 'GET', path: `/api/${user.id}/tasks/${ids[3]}` },
      { method: 'GET', path: `/api/${user.id}/tasks?status=pending` },
      { method: 'PATCH', path: `/api/${user.id}/tasks/${ids[5]}/complete` },
    ];
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    // The load generator's own client is node:http over kept-alive sockets, so its cost stays out of the figures.
    const send = (r: { method: string; path: string; body?: string }) =>
      new Promise<{ status: number; body: string }>((done, fail) => {
        const req = httpRequest(`${base}${r.path}`, { method: r.method, headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', fail);
        req.end(r.body);
      });
    const load = async (rate: number, seconds: number) => {
      const total = Math.round(rate * seconds);
      const latencies: number[] = [];
      const writes: number[] = [];
      let errors = 0;
      const inflight: Promise<void>[] = [];
      const start = performance.now() + 20;
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const sent = performance.now();
        const route = mix[i % mix.length]!;
        inflight.push(
          send(route).then(
            ({ status }) => {
              latencies.push(performance.now() - sent);
              if (route.method !== 'GET') writes.push(performance.now() - sent);
              if (status >= 400) errors++;
            },
            () => {
              errors++;
            },
          ),
        );
      }
      await Promise.all(inflight);
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      writes.sort((a, b) => a - b);
      return { achieved: total / elapsed, latencies, writes, errors };
    };

    await load(100, 10); // warm-up: JIT, pool connections, prepared plans
    const rows: string[][] = [];
    const backendPid = children[1]!.pid;
    for (const rate of rates) {
      const cpuBefore = cpuMs(backendPid);
      const r = await load(rate, duration);
      const cpuAfter = cpuMs(backendPid);
      const n = r.latencies.length;
      const cpuPerRequest = cpuBefore !== undefined && cpuAfter !== undefined ? ((cpuAfter - cpuBefore) / n).toFixed(2) : '-';
      rows.push([
        `${rate}`,
        `${Math.round(r.achieved)}`,
        percentile(r.latencies, 50).toFixed(2),
        percentile(r.latencies, 99).toFixed(2),
        r.latencies.at(-1)!.toFixed(2),
        percentile(r.writes, 50).toFixed(2),
        percentile(r.writes, 99).toFixed(2),
        `${n}`,
        `${r.errors}`,
        cpuPerRequest,
      ]);
    }

    // Chat turns, one after another as a person types: add, list, complete, delete, on a steady task list.
    const chatLatencies: number[] = [];
    let chatCpu = { backend: 0, mcp: 0 };
    let conversationId: number | undefined;
    const script = (n: number) => [`add bench item ${n}`, "what's left?", `mark bench item ${n} as done`, `delete bench item ${n}`];
    for (let i = 0; i < turns + 8; i++) {
      if (i % 20 === 0) conversationId = undefined;
      const message = script(Math.floor(i / 4))[i % 4]!;
      if (i === 8) chatCpu = { backend: cpuMs(children[1]!.pid) ?? NaN, mcp: cpuMs(children[0]!.pid) ?? NaN };
      const started = performance.now();
      const res = await send({
        method: 'POST',
        path: `/api/${user.id}/chat`,
        body: JSON.stringify({ message, ...(conversationId ? { conversation_id: conversationId } : {}) }),
      });
      const ms = performance.now() - started;
      if (res.status !== 200) throw new Error(`chat turn failed: ${res.status} ${res.body}`);
      conversationId = (JSON.parse(res.body) as { conversation_id: number }).conversation_id;
      if (i >= 8) chatLatencies.push(ms); // the first turns warm up the MCP session and JIT
    }
    agent.destroy();
    chatLatencies.sort((a, b) => a - b);
    const perTurn = (now: number | undefined, before: number) => (now === undefined ? '-' : ((now - before) / chatLatencies.length).toFixed(2));
    const backendCpuPerTurn = perTurn(cpuMs(children[1]!.pid), chatCpu.backend);
    const mcpCpuPerTurn = perTurn(cpuMs(children[0]!.pid), chatCpu.mcp);

    console.log(`\nTasks API, ${duration} s per rate, open loop, PostgreSQL ${await serverVersion()}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()})`);
    console.log(`load average during the run: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine inflates the latencies)`);
    console.log(table(['req/s target', 'req/s done', 'p50 ms', 'p99 ms', 'max ms', 'toggle p50', 'toggle p99', 'requests', 'errors', 'backend CPU ms/req'], rows));
    console.log(`\nChat turn, offline model, through the MCP server (${chatLatencies.length} turns)`);
    console.log(
      table(
        ['p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'backend CPU ms/turn', 'MCP CPU ms/turn'],
        [[...[50, 95, 99, 100].map((p) => (p === 100 ? chatLatencies.at(-1)! : percentile(chatLatencies, p)).toFixed(2)), backendCpuPerTurn, mcpCpuPerTurn]],
      ),
    );
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await admin(`drop database if exists ${name} with (force)`);
  }
}

async function serverVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return ((await client.query('show server_version')).rows[0] as { server_version: string }).server_version.split(' ')[0]!;
  } finally {
    await client.end();
  }
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
