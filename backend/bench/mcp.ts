/**
 * CPU per MCP tool call on each side: the MCP server runs as its own process (as `src/main.ts` starts it) and
 * its CPU (all threads) is read from /proc; the client side is this process's own CPU. Calls go back to back
 * ("hot") and paced a few milliseconds apart ("paced"), which is how chat turns make them; a paced call costs
 * noticeably more on both sides. `raw` is a bare node:http POST of the same JSON-RPC request, so `call` minus
 * `raw` on the client side is what the SDK client adds. Several `--entry` run side by side, in interleaved
 * rounds, which is the way to compare two server versions on a machine others are using too.
 *
 *   TEST_POSTGRES_URL=postgres://postgres:postgres@127.0.0.1:5432/postgres npx tsx backend/bench/mcp.ts \
 *     [--calls 300] [--rounds 5] [--gap 5] [--entry mcp_server/src/main.ts]...
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort, waitReady } from './processes.js';
import { createTask, user } from '@todo/backend/db';
import { openTestDatabase } from '@todo/backend/testing';
import { McpConnection } from '../src/agent/mcp-client.js';

const usage = 'usage: TEST_POSTGRES_URL=postgres://... npx tsx backend/bench/mcp.ts [--calls N] [--rounds N] [--gap MS] [--entry FILE]...';
const { values } = (() => {
  try {
    return parseArgs({
      options: {
        calls: { type: 'string', default: '300' },
        rounds: { type: 'string', default: '5' },
        gap: { type: 'string', default: '5' },
        // Server entries to measure side by side (a built dist/main.js, or a variant to compare against).
        entry: { type: 'string', multiple: true, default: ['mcp_server/src/main.ts'] },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
})();
const calls = Number(values.calls);
const rounds = Number(values.rounds);
const gapMs = Number(values.gap);
if (![calls, rounds].every((n) => Number.isInteger(n) && n >= 1) || !(gapMs >= 1)) {
  console.error(`calls and rounds must be positive integers, gap at least 1 ms\n${usage}`);
  process.exit(2);
}
if (!process.env.TEST_POSTGRES_URL) {
  console.error(`set TEST_POSTGRES_URL: the MCP server runs as its own process, which needs a PostgreSQL server\n${usage}`);
  process.exit(2);
}

const root = resolve(import.meta.dirname, '../..');
const token = randomBytes(24).toString('hex');
const database = await openTestDatabase();
await database.db.insert(user).values([{ id: 'alice', name: 'Alice', email: 'alice@example.test' }]);
// A typical list: every list_tasks answer carries 20 tasks.
for (let i = 0; i < 20; i++) await createTask(database.db, 'alice', { title: `bench task ${i}` });

const listCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'list_tasks', arguments: { user_id: 'alice', status: 'all' } },
});
const agent = new Agent({ keepAlive: true });
const servers = await Promise.all(values.entry.map(startServer));
// One client per server: the full SDK client as the backend uses it, and a bare POST of the same request.
const cases = servers.flatMap((server) => {
  const connection = new McpConnection(server.url, token);
  const prefix = servers.length > 1 ? `${server.entry} ` : '';
  return [
    { label: `${prefix}call`, server, run: () => connection.callTool('list_tasks', { user_id: 'alice', status: 'all' }), close: () => connection.close() },
    { label: `${prefix}raw`, server, run: () => post(server.url, listCall), close: async () => {} },
  ];
});

try {
  for (const { run } of cases) for (let i = 0; i < 1000; i++) await run();
  const results = new Map<string, { client: number; server: number }[]>();
  // Interleaved rounds, so the JIT's warming and other load on the machine weigh on every case alike.
  for (let round = 0; round < rounds; round++) {
    for (const gap of [0, gapMs]) {
      for (const { label, server, run } of cases) {
        const server0 = server.cpuMs();
        const client0 = process.cpuUsage();
        for (let i = 0; i < calls; i++) {
          await run();
          if (gap) await sleep(gap);
        }
        const client = process.cpuUsage(client0);
        const key = `${label} ${gap ? 'paced' : 'hot'}`;
        const runs = results.get(key) ?? results.set(key, []).get(key)!;
        runs.push({ client: (client.user + client.system) / 1000 / calls, server: (server.cpuMs() - server0) / calls });
      }
    }
  }
  console.log(`CPU ms per list_tasks call (20 tasks), median of ${rounds} rounds of ${calls} calls, paced = ${gapMs} ms apart`);
  const width = Math.max(...[...results.keys()].map((k) => k.length));
  console.log(`${'case'.padEnd(width)}  client  server`);
  for (const [key, runs] of results) {
    const client = median(runs.map((r) => r.client));
    const server = median(runs.map((r) => r.server));
    console.log(`${key.padEnd(width)} ${client.toFixed(3).padStart(7)} ${server.toFixed(3).padStart(7)}`);
  }
} finally {
  agent.destroy();
  await Promise.all(cases.map((c) => c.close()));
  await Promise.all(servers.map((server) => server.stop()));
  await database.close();
}

async function startServer(entry: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: database.url,
      MCP_INTERNAL_TOKEN: token,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  };
  try {
    await waitReady(`http://127.0.0.1:${port}/health`, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    entry,
    url: `http://127.0.0.1:${port}/mcp`,
    stop,
    /** CPU time of all the process's threads so far, in ms, from the scheduler's nanosecond counters. */
    cpuMs(): number {
      let ns = 0;
      for (const thread of readdirSync(`/proc/${child.pid}/task`)) {
        ns += Number(readFileSync(`/proc/${child.pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
      }
      return ns / 1e6;
    },
  };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function post(url: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${res.statusCode}: ${text}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
