import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

const requestTimeoutMs = 15_000;

/**
 * One long-lived MCP client shared by every chat turn. The server is stateless, so the connection is only a
 * warm HTTP pool plus the cached tool list: after an MCP restart the next call simply reconnects.
 */
export class McpConnection {
  private client: Promise<Client> | undefined;
  private tools: Promise<Tool[]> | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async listTools(): Promise<Tool[]> {
    this.tools ??= this.withClient(async (client) => (await client.listTools()).tools, true).catch((error: unknown) => {
      this.tools = undefined;
      throw error;
    });
    return this.tools;
  }

  async callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    // A tool call is retried only when it provably never reached the server (connection refused).
    return (await this.withClient((client) => client.callTool({ name, arguments: args }, undefined, {
      timeout: requestTimeoutMs,
    }), false)) as CallToolResult;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.tools = undefined;
    await client?.then((c) => c.close()).catch(() => {});
  }

  private async withClient<T>(use: (client: Client) => Promise<T>, retryAlways: boolean): Promise<T> {
    try {
      return await use(await this.connect());
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      await this.reset();
      if (!retryAlways && !isRefused(error)) throw error;
      return use(await this.connect());
    }
  }

  private connect(): Promise<Client> {
    if (this.closed) return Promise.reject(new Error('MCP connection is closed'));
    this.client ??= (async () => {
      const client = new Client({ name: 'todo-backend', version: '0.1.0' });
      const transport = new StreamableHTTPClientTransport(new URL(this.url), {
        requestInit: { headers: { Authorization: `Bearer ${this.token}` } },
        fetch: fetchWithOwnSignal,
      });
      await client.connect(transport, { timeout: requestTimeoutMs });
      return client;
    })().catch((error: unknown) => {
      this.client = undefined;
      throw error;
    });
    return this.client;
  }

  private async reset(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    // A restarted server may be a newer version with different tools: list them again on the next turn.
    this.tools = undefined;
    await client?.then((c) => c.close()).catch(() => {});
  }
}

/**
 * The transport hands every request the same long-lived AbortSignal, and fetch leaves a listener on it until
 * the request is garbage-collected; a busy backend then warns about a listener leak. Each request gets its own
 * signal instead, tied to the shared one only while it is in flight.
 */
async function fetchWithOwnSignal(url: string | URL, init?: RequestInit): Promise<Response> {
  const shared = init?.signal;
  if (!shared) return fetch(url, init);
  const own = new AbortController();
  const abort = () => own.abort(shared.reason);
  if (shared.aborted) abort();
  else shared.addEventListener('abort', abort, { once: true });
  try {
    return await fetch(url, { ...init, signal: own.signal });
  } finally {
    shared.removeEventListener('abort', abort);
  }
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e && chain.length < 6; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

function isRefused(error: unknown): boolean {
  return causes(error).some((e) => (e as { code?: unknown }).code === 'ECONNREFUSED');
}

/** Network-level failures (as opposed to MCP errors the server answered with). */
function isConnectionError(error: unknown): boolean {
  return causes(error).some((e) => {
    const code = (e as { code?: unknown }).code;
    return (
      (typeof code === 'string' && /^(?:ECONN|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|UND_ERR)/.test(code)) ||
      (e instanceof TypeError && e.message === 'fetch failed')
    );
  });
}
