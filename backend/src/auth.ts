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

export function createAuth(options: AuthOptions) {
  const fixed = [new URL(options.baseURL).origin, ...(options.trustedOrigins ?? [])];
  const attempts = options.signInPerMinute ?? 30;
  const trusted = (request: Request | undefined) => [...fixed, forwardedOrigin(request)];
  const auth = betterAuth({
    basePath: '/api/auth',
    baseURL: options.baseURL,
    secret: options.secret,
    database: drizzleAdapter(options.db, { provider: 'pg', schema: { user, session, account, verification } }),
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
  return Object.assign(auth, {
    /** Whether a request's Origin (when it sends one) may use the session cookie, by the same rule as sign-in. */
    originAllowed(request: Request): boolean {
      const origin = request.headers.get('origin');
      return !origin || trusted(request).includes(origin);
    },
  });
}

export type Auth = ReturnType<typeof createAuth>;

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
