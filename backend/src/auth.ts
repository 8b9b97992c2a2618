import { betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { bearer } from 'better-auth/plugins';
import type { Database } from './db/index.js';
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
}

export function createAuth(options: AuthOptions) {
  const fixed = [new URL(options.baseURL).origin, ...(options.trustedOrigins ?? [])];
  const attempts = options.signInPerMinute ?? 30;
  return betterAuth({
    basePath: '/api/auth',
    baseURL: options.baseURL,
    secret: options.secret,
    database: drizzleAdapter(options.db, { provider: 'pg', schema: { user, session, account, verification } }),
    emailAndPassword: { enabled: true, autoSignIn: true, minPasswordLength: 8, maxPasswordLength: 128 },
    plugins: [bearer()],
    // The frontend proxy names the origin the browser used in X-Forwarded-Host/Proto. Only the frontend can reach
    // the backend (ClusterIP + NetworkPolicy) and a browser cannot set those headers, so a request whose Origin
    // equals them is a same-origin request to the frontend.
    trustedOrigins: (request) => [...fixed, forwardedOrigin(request)],
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
      ipAddress: { ipAddressHeaders: ['x-forwarded-for', 'x-real-ip'] },
    },
    telemetry: { enabled: false },
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
