import { createHmac, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { bearer } from 'better-auth/plugins';
import type { Database } from './db/index.js';
import type { Logger } from './logger.js';
import { account, session, user, verification } from './db/schema.js';

export interface AuthOptions {
  db: Database;
  secret: string;
  /** The app's public origin as the browser sees it: the frontend, which forwards /api/auth to us. */
  baseURL: string;
  /** Further origins allowed to send cookie-authenticated requests. */
  trustedOrigins?: string[];
  /** Sign-in and sign-up attempts per client address per minute. */
  signInPerMinute?: number;
  /** Better Auth's own messages join the service's JSON log. */
  logger?: Logger;
}

// Better Auth's defaults, spelled out because the fast session lookup below depends on them.
const SESSION_EXPIRES_IN = 7 * 24 * 3600;
const SESSION_UPDATE_AGE = 24 * 3600;
const SESSION_COOKIES = ['better-auth.session_token', '__Secure-better-auth.session_token'];

export function createAuth(options: AuthOptions) {
  const fixed = [new URL(options.baseURL).origin, ...(options.trustedOrigins ?? [])];
  const attempts = options.signInPerMinute ?? 30;
  const trusted = (request: Request | undefined) => [...fixed, forwardedOrigin(request)];
  const auth = betterAuth({
    basePath: '/api/auth',
    baseURL: options.baseURL,
    secret: options.secret,
    database: drizzleAdapter(options.db, { provider: 'pg', schema: { user, session, account, verification } }),
    session: { expiresIn: SESSION_EXPIRES_IN, updateAge: SESSION_UPDATE_AGE },
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8, maxPasswordLength: 128 },
    plugins: [bearer()],
    // The frontend proxy names the origin the browser used in X-Forwarded-Host/Proto. Only the frontend can reach
    // the backend (ClusterIP + NetworkPolicy) and a browser cannot set those headers, so a request whose Origin
    // equals them is a same-origin request to the frontend.
    trustedOrigins: trusted,
    rateLimit: {
      enabled: true,
      window: 60,
      max: 600,
      customRules: {
        '/sign-in/*': { window: 60, max: attempts },
        '/sign-up/*': { window: 60, max: attempts },
      },
    },
    advanced: {
      // Better Auth relaxes these under NODE_ENV=test; the tests must see what production does.
      disableOriginCheck: false,
      disableCSRFCheck: false,
      ipAddress: { ipAddressHeaders: ['x-forwarded-for', 'x-real-ip'] },
    },
    telemetry: { enabled: false },
    logger: options.logger && {
      level: 'info',
      log: (level, message, ...args) => {
        const log = options.logger!.child({ component: 'auth' });
        // Failed sign-ins and the like are the client's problem: keep them out of the warnings.
        const quiet = level === 'warn' && /not found|invalid|too (?:short|long)|already exists/i.test(message);
        log[quiet ? 'debug' : level]({ details: args.length ? args : undefined }, message);
      },
    },
  });
  const sessionByToken = options.db
    .select({ userId: session.userId, expiresAt: session.expiresAt })
    .from(session)
    .where(eq(session.token, sql.placeholder('token')))
    .prepare('session_by_token');

  return Object.assign(auth, {
    /**
     * The signed-in caller's user id, or null. Every API request asks this, so the common case is one indexed
     * query on Better Auth's own session table, with the token checked as Better Auth checks it (a bearer token
     * bare or signed, a cookie signed). Sessions that are expired or due for Better Auth's sliding refresh go
     * through Better Auth itself, which extends or removes them.
     */
    async callerId(headers: Headers): Promise<string | null> {
      const token = sessionToken(headers, options.secret);
      if (!token) return null;
      const [row] = await sessionByToken.execute({ token });
      if (!row) return null;
      if (row.expiresAt.getTime() - Date.now() > (SESSION_EXPIRES_IN - SESSION_UPDATE_AGE) * 1000) return row.userId;
      return (await auth.api.getSession({ headers }))?.user.id ?? null;
    },

    /** Whether a request's Origin (when it sends one) may use the session cookie, by the same rule as sign-in. */
    originAllowed(request: Request): boolean {
      const origin = request.headers.get('origin');
      return !origin || trusted(request).includes(origin);
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

/** The session token a request presents, once its signature (when it carries one) is valid. */
export function sessionToken(headers: Headers, secret: string): string | null {
  const authorization = headers.get('authorization');
  if (authorization?.slice(0, 7).toLowerCase() === 'bearer ') {
    const value = decode(authorization.slice(7).trim());
    // A bare token is accepted as Better Auth's bearer plugin accepts it: the token itself is the secret.
    return value.includes('.') ? verified(value, secret) : value || null;
  }
  const cookies = headers.get('cookie');
  if (!cookies) return null;
  for (const part of cookies.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && SESSION_COOKIES.includes(part.slice(0, at).trim())) return verified(decode(part.slice(at + 1).trim()), secret);
  }
  return null;
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function verified(signed: string, secret: string): string | null {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return null;
  const token = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1), 'base64');
  const expected = createHmac('sha256', secret).update(token).digest();
  return given.length === expected.length && timingSafeEqual(given, expected) ? token : null;
}

export function forwardedOrigin(request: Request | undefined): string | undefined {
  const host = request?.headers.get('x-forwarded-host')?.split(',')[0]?.trim();
  if (!host) return undefined;
  const proto = request?.headers.get('x-forwarded-proto')?.split(',')[0]?.trim() || 'http';
  if (proto !== 'http' && proto !== 'https') return undefined;
  try {
    return new URL(`${proto}://${host}`).origin;
  } catch {
    return undefined;
  }
}
