import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { createAuth } from './auth.js';
import { isMigrated, type DatabaseHandle } from './db/index.js';
import { ApiError, handleError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import type { ChatAgent } from './routes/chat-agent.js';
import { chatRoutes } from './routes/chat.js';
import type { AppDeps, AppEnv } from './routes/context.js';
import { conversationRoutes } from './routes/conversations.js';
import { taskRoutes } from './routes/tasks.js';

export type { AppDeps } from './routes/context.js';
export type { ChatAgent, ChatTurn, ToolCall } from './routes/chat-agent.js';

/** Largest request body; a 4,000-character message fully \u-escaped still fits. */
export const MAX_BODY_BYTES = 64 * 1024;

export interface AppOptions {
  /** Answer /ready with 503 while this returns true (set during shutdown). */
  draining?: () => boolean;
}

export function createApp(deps: AppDeps, options: AppOptions = {}) {
  const { db, auth, logger } = deps;
  let migrated = false;
  const app = new Hono<AppEnv>();

  app.use(requestId({ headerName: 'X-Request-Id', limitLength: 128 }));
  app.use(async (c, next) => {
    const started = performance.now();
    const log = logger.child({ requestId: c.get('requestId') });
    c.set('log', log);
    await next();
    // While stopping, every answer asks the client to drop its keep-alive connection, so the next request opens a
    // fresh one to another replica instead of racing the close of this one.
    if (options.draining?.()) c.header('Connection', 'close');
    const path = c.req.path;
    if (path === '/health' || path === '/ready') return;
    log.info(
      { method: c.req.method, path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 },
      'request',
    );
  });
  app.use(
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `the body must be at most ${MAX_BODY_BYTES} bytes`, { field: 'body' });
      },
    }),
  );

  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    if (options.draining?.()) return c.json({ status: 'not_ready', reason: 'shutting down' }, 503);
    try {
      await db.ping();
      migrated ||= await isMigrated(db);
    } catch (err) {
      c.get('log').warn({ err }, 'database not reachable');
      return c.json({ status: 'not_ready', reason: 'database unreachable' }, 503);
    }
    if (!migrated) return c.json({ status: 'not_ready', reason: 'database not migrated' }, 503);
    return c.json({ status: 'ready' });
  });

  app.on(['GET', 'POST'], '/api/auth/*', (c) => {
    // Sign-in attempts are limited per client address. Behind the frontend that is its X-Forwarded-For; a direct
    // caller (curl, scripts) is known by its socket address, which a web Request does not carry by itself.
    const req = c.req.raw;
    const peer = (c.env as Partial<HttpBindings> | undefined)?.incoming?.socket?.remoteAddress;
    if (!peer || req.headers.has('x-forwarded-for')) return auth.handler(req);
    const headers = new Headers(req.headers);
    headers.set('x-forwarded-for', peer);
    return auth.handler(new Request(req, { headers, duplex: 'half' } as RequestInit));
  });

  app.use('/api/:user_id/*', async (c, next) => {
    const callerId = await auth.callerId(c.req.raw.headers);
    if (!callerId) throw new ApiError(401, 'unauthorized', 'sign in first: send a bearer token or the session cookie');
    // A cookie rides along with cross-site requests; a bearer token never does. Cookie-authenticated writes must
    // come from a trusted origin, as Better Auth requires for its own endpoints.
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method);
    if (unsafe && !c.req.header('authorization') && !auth.originAllowed(c.req.raw)) {
      throw new ApiError(403, 'forbidden', 'this origin may not use the session cookie', { field: 'origin' });
    }
    if (c.req.param('user_id') !== callerId) {
      throw new ApiError(403, 'forbidden', 'this path belongs to another user', { field: 'user_id' });
    }
    c.set('userId', callerId);
    await next();
  });
  app.route('/api/:user_id', taskRoutes(deps));
  app.route('/api/:user_id', chatRoutes(deps));
  app.route('/api/:user_id', conversationRoutes(deps));

  app.notFound((c) => c.json({ error: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }, 404));
  app.onError(handleError);
  return app;
}

export interface BackendOptions {
  db: DatabaseHandle;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  betterAuthSecret: string;
  /** Public origin the browser uses (the frontend). Default: http://localhost:3000 */
  betterAuthUrl?: string;
  trustedOrigins?: string[];
  mcpServerUrl?: string;
  mcpToken?: string;
  /** Unset: the built-in offline model. */
  openai?: { apiKey: string; baseURL?: string; model: string };
  agentMaxTurns?: number;
  logLevel?: string;
  logger?: Logger;
  /** A ready agent instead of one built from the MCP and model settings; the caller then owns closing it. */
  agent?: ChatAgent;
  signInPerMinute?: number;
  /** On close, how long to keep answering (with `Connection: close`, /ready 503) before refusing connections. */
  drainMs?: number;
}

export interface RunningBackend {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, closes the agent. The database stays open: its owner closes it. */
  close(): Promise<void>;
}

export async function startBackend(options: BackendOptions): Promise<RunningBackend> {
  const logger = options.logger ?? createLogger(options.logLevel ?? 'info');
  const auth = createAuth({
    db: options.db.db,
    secret: options.betterAuthSecret,
    baseURL: options.betterAuthUrl ?? 'http://localhost:3000',
    trustedOrigins: options.trustedOrigins,
    signInPerMinute: options.signInPerMinute,
    logger,
  });
  const ownAgent = !options.agent;
  const agent = options.agent ?? (await buildAgent(options));
  let draining = false;
  const app = createApp({ db: options.db, auth, agent, logger }, { draining: () => draining });

  const host = options.host ?? '0.0.0.0';
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: host }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () =>
      (closing ??= (async () => {
        draining = true;
        if (options.drainMs) await new Promise((resolve) => setTimeout(resolve, options.drainMs));
        await new Promise<void>((resolve) => {
          // Idle keep-alive sockets close at once; a request still running after 10 s is cut off.
          const force = setTimeout(() => (server as import('node:http').Server).closeAllConnections?.(), 10_000);
          force.unref();
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
        });
        if (ownAgent) await agent.close();
      })()),
  };
}

async function buildAgent(options: BackendOptions): Promise<ChatAgent> {
  if (!options.mcpToken) throw new Error('startBackend needs mcpToken (or a ready agent)');
  const { createChatAgent } = await import('./agent/index.js');
  return createChatAgent({
    mcpServerUrl: options.mcpServerUrl ?? 'http://localhost:8001/mcp',
    mcpToken: options.mcpToken,
    openai: options.openai,
    maxTurns: options.agentMaxTurns ?? 6,
  });
}
