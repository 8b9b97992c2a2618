import { hash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { getRequestListener } from '@hono/node-server';
import type { Database } from '@todo/backend/db';
import { pino, type Logger } from 'pino';
import { createServer } from './server.js';

/** Host names the server always answers to: local use and the in-cluster Service name. */
export const defaultAllowedHosts = ['localhost', '127.0.0.1', '[::1]', 'mcp-server'];

const maxBodyBytes = 1_000_000;

export interface StartMcpServerOptions {
  db: Database;
  port: number;
  host?: string;
  /** Shared secret every /mcp request must present as `Authorization: Bearer <token>`. */
  token: string;
  /** Extra host names (or host:port pairs) accepted in Host and Origin headers. */
  allowedHosts?: string[];
  logLevel?: string;
  logger?: Logger;
}

export interface RunningMcpServer {
  /** The MCP endpoint, e.g. http://127.0.0.1:8001/mcp */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startMcpServer(options: StartMcpServerOptions): Promise<RunningMcpServer> {
  if (!options.token) throw new Error('startMcpServer: token is required');
  const log = options.logger ?? pino({ name: 'mcp-server', level: options.logLevel ?? 'info' });
  const handle = createRequestHandler({ ...options, log });
  const http = createHttpServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJsonRpcError(res, 500, -32603, 'Internal server error');
      else res.end();
    });
  });
  // Outlive the client's pooled keep-alive sockets, so a reused socket is never closed under a request.
  http.keepAliveTimeout = 65_000;

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}/mcp`;
  log.info({ url }, 'mcp server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        // Stop accepting, let in-flight requests finish, then drop idle keep-alive sockets.
        http.close(() => resolve());
        http.closeIdleConnections();
        setTimeout(() => http.closeAllConnections(), 10_000).unref();
      })),
  };
}

interface HandlerOptions {
  db: Database;
  token: string;
  allowedHosts?: string[];
  log: Logger;
}

export function createRequestHandler(options: HandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const allowed = new Set([...defaultAllowedHosts, ...(options.allowedHosts ?? [])].map((h) => h.trim().toLowerCase()));
  const expectedToken = digest(options.token);
  const { db, log } = options;
  // Each checked /mcp request hands the adapter its own transport and its already parsed body.
  const pending: PendingRequests = new WeakMap();
  const serveWebStandard = webStandardAdapter(pending, log);

  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/health') {
      // Probes reach the pod by IP, so health is answered whatever the Host header says.
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'method not allowed' });
      return sendJson(res, 200, { status: 'ok' });
    }
    if (path !== '/mcp') return sendJson(res, 404, { error: 'not found' });

    // DNS-rebinding protection: only our own names, whatever resolves to this address.
    if (!hostAllowed(req.headers.host, allowed)) {
      log.warn({ host: req.headers.host }, 'rejected foreign Host');
      return sendJsonRpcError(res, 403, -32000, 'Forbidden: Host not allowed');
    }
    if (req.headers.origin !== undefined && !originAllowed(req.headers.origin, allowed)) {
      log.warn({ origin: req.headers.origin }, 'rejected foreign Origin');
      return sendJsonRpcError(res, 403, -32000, 'Forbidden: Origin not allowed');
    }
    if (!tokenMatches(req.headers.authorization, expectedToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendJsonRpcError(res, 401, -32001, 'Unauthorized');
    }
    // Stateless: no sessions, so there is no SSE stream to resume (GET) nor a session to end (DELETE).
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return sendJsonRpcError(res, 405, -32000, 'Method not allowed');
    }

    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        res.setHeader('Connection', 'close');
        return sendJsonRpcError(res, 413, -32600, 'Request body too large');
      }
      return sendJsonRpcError(res, 400, -32700, 'Parse error: body is not valid JSON');
    }

    // A new server and transport per request keeps replicas interchangeable and request ids from colliding.
    const server = createServer({ db, log });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      // A client gone before its answer was written: abort what its request still runs. Once the answer is
      // out, the request has left nothing running (no timers, no pending handlers), and closing would only
      // build a "connection closed" error for nobody to read; the pair is left to the garbage collector.
      if (res.writableFinished) return;
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    pending.set(req, { transport, body });
    await serveWebStandard(req, res);
  };
}

type PendingRequests = WeakMap<IncomingMessage, { transport: WebStandardStreamableHTTPServerTransport; body: unknown }>;

/**
 * Node's request and response to the web-standard transport and back. With `overrideGlobalObjects` (the
 * adapter's default, and what the backend's own Hono server already does in its process) the Request and
 * Response globals become the adapter's lightweight versions, so the transport's JSON answer goes to the socket
 * as the string it was made from, without the web streams a standard Response carries. (The SDK's node
 * transport turns the override off and reads every answer through a stream; per tool call, the MCP process
 * spent about a fifth more CPU that way.)
 */
function webStandardAdapter(
  pending: PendingRequests,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return getRequestListener(
    (request, { incoming }) => {
      const { transport, body } = pending.get(incoming as IncomingMessage)!;
      return transport.handleRequest(request, { parsedBody: body });
    },
    {
      errorHandler: (err) => {
        log.error({ err }, 'request failed');
        return new Response(JSON.stringify(jsonRpcError(-32603, 'Internal server error')), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        });
      },
    },
  );
}

function hostAllowed(hostHeader: string | undefined, allowed: Set<string>): boolean {
  if (!hostHeader) return false;
  const host = hostHeader.trim().toLowerCase();
  if (allowed.has(host)) return true;
  const hostname = hostnameOf(`http://${host}`);
  return hostname !== undefined && allowed.has(hostname);
}

function originAllowed(origin: string, allowed: Set<string>): boolean {
  const hostname = hostnameOf(origin);
  if (hostname === undefined) return false;
  const host = new URL(origin).host.toLowerCase();
  return allowed.has(hostname) || allowed.has(host);
}

function hostnameOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    // A Host header is a bare authority: anything that parses into a path, user or query is not one.
    if (parsed.pathname !== '/' || parsed.username || parsed.password || parsed.search) return undefined;
    return parsed.hostname.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** Compares digests so the comparison takes the same time whatever the token's length or first wrong byte. */
function tokenMatches(authorization: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  const presented = digest(match?.[1] ?? '');
  return timingSafeEqual(presented, expected) && match !== null;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) {
        chunks.push(chunk);
        return;
      }
      // Discard the rest rather than destroy the request, so the 413 still reaches the client.
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume();
      reject(new BodyTooLarge());
    };
    const onEnd = () => resolve(Buffer.concat(chunks).toString('utf8'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A JSON-RPC error that answers no particular request (the request never reached the protocol). */
function jsonRpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

function sendJsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, jsonRpcError(code, message));
}
