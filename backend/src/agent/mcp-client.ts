import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
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
        fetch: poolFetch,
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

// One keep-alive pool per scheme for every MCP request of this process: the turn's calls reuse warm sockets.
const httpPool = new HttpAgent({ keepAlive: true, maxSockets: 64 });
const httpsPool = new HttpsAgent({ keepAlive: true, maxSockets: 64 });
// Statuses whose responses carry no body (the Response constructor refuses one).
const nullBodyStatuses = new Set([101, 204, 205, 304]);

/**
 * The transport's fetch, on node:http with a keep-alive pool: the same request and Response as the global fetch,
 * for less CPU per tool call. A JSON answer is read whole; an event stream is passed on as it arrives. The
 * transport hands every request the same long-lived AbortSignal; each request listens to it only while it is in
 * flight, so idle turns leave no listeners behind. The transport's URL and Headers are used as given, and the
 * answer's headers go straight into the Response, which copies them once (no intermediate Headers).
 */
function poolFetch(url: string | URL, init?: RequestInit): Promise<Response> {
  const target = url instanceof URL ? url : new URL(url);
  const shared = init?.signal ?? undefined;
  if (shared?.aborted) return Promise.reject(shared.reason);
  const headers: Record<string, string> = {};
  const given = init?.headers;
  (given instanceof Headers ? given : new Headers(given)).forEach((value, name) => {
    headers[name] = value;
  });
  const body = init?.body;
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return Promise.reject(new TypeError('MCP request body must be a string'));
  }
  if (body) headers['content-length'] = String(Buffer.byteLength(body));
  const https = target.protocol === 'https:';
  const request = https ? httpsRequest : httpRequest;
  const agent = https ? httpsPool : httpPool;

  return new Promise<Response>((resolve, reject) => {
    const req = request(target, { method: init?.method ?? 'GET', headers, agent }, (res) => {
      const status = res.statusCode ?? 0;
      const responseHeaders: [string, string][] = [];
      const raw = res.rawHeaders;
      for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.push([raw[i]!, raw[i + 1]!]);
      const meta = { status, statusText: res.statusMessage ?? '', headers: responseHeaders };
      if (nullBodyStatuses.has(status)) {
        res.resume();
        done();
        resolve(new Response(null, meta));
        return;
      }
      if ((res.headers['content-type'] ?? '').toLowerCase().includes('text/event-stream')) {
        // A stream lives on past this call: it ends with the response, or when the shared signal aborts it.
        res.once('close', done);
        resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, meta));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        done();
        resolve(new ReadResponse(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), meta));
      });
      res.once('error', fail);
    });
    const abort = () => req.destroy(shared?.reason instanceof Error ? shared.reason : new Error('aborted'));
    function done() {
      shared?.removeEventListener('abort', abort);
    }
    function fail(error: unknown) {
      done();
      reject(error);
    }
    shared?.addEventListener('abort', abort, { once: true });
    req.once('error', fail);
    req.end(body ?? undefined);
  });
}

/**
 * A Response whose body has already been read whole. The transport reads a JSON answer with `json()` (an error
 * with `text()`), which here decode the bytes as a standard Response does (UTF-8, BOM dropped); a standard
 * Response would first wrap them in a web stream only to read them back out of it, about half of what the
 * client side of a tool call cost beyond the HTTP exchange itself. `body` stays null (there is nothing left to
 * stream); event streams get a standard Response instead.
 */
const utf8 = new TextDecoder();

class ReadResponse extends Response {
  readonly #bytes: Buffer;
  #used = false;

  constructor(bytes: Buffer, init: ResponseInit) {
    super(null, init);
    this.#bytes = bytes;
  }

  override readonly text = async (): Promise<string> => utf8.decode(this.#take());

  override readonly json = async (): Promise<unknown> => JSON.parse(utf8.decode(this.#take()));

  override readonly arrayBuffer = async (): Promise<ArrayBuffer> => {
    const bytes = this.#take();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };

  #take(): Buffer {
    if (this.#used) throw new TypeError('Response body is already used');
    this.#used = true;
    return this.#bytes;
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
