import type { NextRequest } from 'next/server';
import { backendUrl } from '../../../lib/backend-url';

// Forwards the browser's /api/* and /api/auth/* calls to the backend so the browser only ever talks to this
// origin and the backend needs no outside exposure. A Route Handler rather than next.config rewrites because
// rewrites are frozen into the build, and BACKEND_URL must be read at run time.
export const dynamic = 'force-dynamic';

// Per-connection headers (RFC 9110 §7.6.1) and ones the fetch client computes itself.
const NOT_FORWARDED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'expect',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-for',
  'x-forwarded-port',
]);

function requestHeaders(request: NextRequest): Headers {
  const headers = new Headers();
  request.headers.forEach((value, key) => {
    if (!NOT_FORWARDED.has(key) && !key.startsWith('x-middleware-')) headers.set(key, value);
  });
  const incomingUrl = new URL(request.url);
  // The backend builds absolute URLs and checks origins from these, so it must see the host the browser used.
  const host = request.headers.get('x-forwarded-host') ?? request.headers.get('host') ?? incomingUrl.host;
  const proto = request.headers.get('x-forwarded-proto') ?? incomingUrl.protocol.replace(/:$/, '');
  headers.set('x-forwarded-host', host);
  headers.set('x-forwarded-proto', proto);
  const forwardedFor = request.headers.get('x-forwarded-for');
  if (forwardedFor) headers.set('x-forwarded-for', forwardedFor);
  return headers;
}

function responseHeaders(upstream: Response): Headers {
  const headers = new Headers();
  upstream.headers.forEach((value, key) => {
    // fetch has already decoded the body, so the upstream encoding and length no longer describe it.
    if (key === 'set-cookie' || key === 'content-encoding' || key === 'content-length' || NOT_FORWARDED.has(key)) return;
    headers.set(key, value);
  });
  // Each cookie must stay its own header; joining them with commas breaks Expires dates.
  for (const cookie of upstream.headers.getSetCookie()) headers.append('set-cookie', cookie);
  return headers;
}

async function forward(request: NextRequest): Promise<Response> {
  const incoming = new URL(request.url);
  const target = `${backendUrl()}${incoming.pathname}${incoming.search}`;
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers: requestHeaders(request),
      body: hasBody ? request.body : null,
      redirect: 'manual',
      cache: 'no-store',
      signal: request.signal,
      // Streams the request body instead of buffering it; required by fetch for a stream body.
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
  } catch (error) {
    if (request.signal.aborted) return new Response(null, { status: 499 });
    console.error(JSON.stringify({ level: 'error', msg: 'backend unreachable', path: incoming.pathname, error: String(error) }));
    return Response.json({ error: 'The service is unreachable right now. Try again in a moment.' }, { status: 502 });
  }
  return new Response(upstream.body, {
    status: upstream.status,
    statusText: upstream.statusText,
    headers: responseHeaders(upstream),
  });
}

export const GET = forward;
export const HEAD = forward;
export const POST = forward;
export const PUT = forward;
export const PATCH = forward;
export const DELETE = forward;
export const OPTIONS = forward;
