/**
 * Removes secret values from anything diagnosis prints or hands to an AI tool. Two layers: values known to be
 * secret (the todo-secrets Secret when readable, env values of secret-looking keys) are replaced wherever they
 * appear, in the forms they are commonly written in; and shapes that are secret whatever their value (bearer
 * tokens, URL passwords, `KEY=value` for secret-looking keys, long random strings) are replaced by pattern.
 */

export const REDACTED = '[redacted]';

/** Names whose values are secret: the Secret's keys, and any variable that looks like one. */
export const secretKeyPattern = /SECRET|TOKEN|PASSWORD|PASSWD|KEY|DATABASE_URL|CREDENTIAL/i;

// Words that follow `NAME:` in messages about a variable rather than its value (envalid: `X: is required`).
const notValues = /^(is|are|was|must|bearer|basic|missing|required|not|unset|undefined|null|none|empty|invalid|secret|token|password|key|set|the|a|an|see|\[redacted\].*)$/i;

// Shorter values would mask ordinary words and numbers everywhere; every secret the kit creates is far longer.
const minKnownLength = 4;

export interface Redactor {
  /** Registers a value that must never be printed (and the forms it is usually written in). */
  add(value: string | undefined | null): void;
  /** The text with every known value and every secret-shaped string replaced. */
  text(value: string): string;
  /** A deep copy with `text` applied to every string and secret-named env/data values replaced. */
  deep<T>(value: T): T;
  /** Number of distinct values registered (for tests and reports). */
  readonly size: number;
}

/** The forms a value takes in logs, URLs, JSON and kubectl output. */
export function variants(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  forms.add(JSON.stringify(value).slice(1, -1));
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  forms.add(b64);
  forms.add(b64.replace(/=+$/, ''));
  forms.add(Buffer.from(value, 'utf8').toString('base64url'));
  // A connection string's password is a secret on its own (drivers echo host and user, sometimes the password).
  const password = urlPassword(value);
  if (password) {
    forms.add(password);
    try {
      forms.add(decodeURIComponent(password));
    } catch {
      // not percent-encoded
    }
  }
  return [...forms].filter((f) => f.length >= minKnownLength);
}

function urlPassword(value: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:([^@\s/]+)@/i.exec(value);
  return m?.[1];
}

const patterns: { pattern: RegExp; replace: string | ((...m: string[]) => string) }[] = [
  // Authorization headers and bearer tokens in any casing.
  { pattern: /\b(authorization["']?\s*[:=]\s*["']?)(?:(basic|bearer|token)\s+)?[^\s"',;]+/gi, replace: (_m: string, head: string, scheme?: string) => `${head}${scheme ? `${scheme} ` : ''}${REDACTED}` },
  { pattern: /\b([Bb]earer)(\s+)(?!token\b|tokens\b|plugin\b|authentication\b)[A-Za-z0-9._~+/=-]{8,}/g, replace: `$1$2${REDACTED}` },
  // Credentials in URLs: scheme://user:password@host keeps the user and host, which help diagnosis.
  { pattern: /\b([a-z][a-z0-9+.-]*:\/\/[^/:@\s"'<>]*):([^@\s"'<>/]+)@/gi, replace: `$1:${REDACTED}@` },
  // KEY=value, KEY: value, "key":"value" and key='value' for secret-looking names.
  {
    pattern: /(["']?)([A-Za-z0-9_.-]*(?:secret|token|password|passwd|api[_-]?key|apikey|private[_-]?key|credential|database_url|authorization)[A-Za-z0-9_.-]*)\1(\s*[=:]\s*)(["']?)([^\s"',;&}]+)/gi,
    replace: (m: string, q1: string, name: string, sep: string, q2: string, value: string) => (notValues.test(value) ? m : `${q1}${name}${q1}${sep}${q2}${REDACTED}`),
  },
  // Environment-style names (OPENAI_API_KEY=..., SIGNING_KEY: ...).
  {
    pattern: /\b([A-Z][A-Z0-9_]*KEY[A-Z0-9_]*)(\s*[=:]\s*)(["']?)([^\s"',;&}]+)/g,
    replace: (m: string, name: string, sep: string, q: string, value: string) => (notValues.test(value) ? m : `${name}${sep}${q}${REDACTED}`),
  },
  // Provider API keys and JWTs have recognisable shapes.
  { pattern: /\bsk-[A-Za-z0-9_-]{16,}/g, replace: REDACTED },
  { pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: REDACTED },
  // Long random strings (generated secrets are base64/base64url): mixed case and digits together, which pod
  // names, UIDs, image digests and hashes (lower-case hex) never have.
  {
    pattern: /[A-Za-z0-9+/_-]{32,}={0,2}/g,
    replace: (m: string) => (/[a-z]/.test(m) && /[A-Z]/.test(m) && /[0-9]/.test(m) ? REDACTED : m),
  },
];

export function createRedactor(initial: (string | undefined | null)[] = []): Redactor {
  const known = new Set<string>();
  let sorted: string[] = [];
  let values = 0;
  const add = (value: string | undefined | null) => {
    if (!value || value.length < minKnownLength) return;
    values += 1;
    for (const v of variants(value)) known.add(v);
    // Longest first, so a secret that contains another is replaced whole.
    sorted = [...known].sort((a, b) => b.length - a.length);
  };
  const text = (input: string): string => {
    let out = input;
    for (const v of sorted) if (out.includes(v)) out = out.split(v).join(REDACTED);
    for (const p of patterns) out = out.replace(p.pattern, p.replace as never);
    return out;
  };
  const deep = <T>(value: T): T => walk(value, text) as T;
  for (const v of initial) add(v);
  return {
    add,
    text,
    deep,
    get size() {
      return values;
    },
  };
}

function walk(value: unknown, text: (s: string) => string, key = ''): unknown {
  if (typeof value === 'string') return text(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, text, key));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // A container env entry `{ name, value }` whose name is secret-looking: the value goes whatever it looks like.
    if (typeof o.name === 'string' && typeof o.value === 'string' && secretKeyPattern.test(o.name)) {
      return { ...Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'value' ? REDACTED : walk(v, text, k)])) };
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      // Secret objects' `data`/`stringData` and kubectl's last-applied annotation can carry every value at once.
      if ((k === 'data' || k === 'stringData') && v && typeof v === 'object' && o.kind === 'Secret') {
        out[k] = Object.fromEntries(Object.keys(v as object).map((name) => [name, REDACTED]));
      } else if (k === 'kubectl.kubernetes.io/last-applied-configuration') {
        out[k] = REDACTED;
      } else {
        out[k] = walk(v, text, k);
      }
    }
    return out;
  }
  return value;
}

/** Values of secret-looking env entries (`{ name, value }`) anywhere in kubectl JSON, e.g. pod specs. */
export function secretEnvValues(value: unknown): string[] {
  const found: string[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.name === 'string' && typeof o.value === 'string' && secretKeyPattern.test(o.name)) found.push(o.value);
      Object.values(o).forEach(visit);
    }
  };
  visit(value);
  return found;
}

/** Decoded values of a Secret object as `kubectl get secret -o json` prints it. */
export function secretValues(secret: { data?: Record<string, string>; stringData?: Record<string, string> } | null | undefined): string[] {
  if (!secret) return [];
  return [
    ...Object.values(secret.data ?? {}).map((b64) => Buffer.from(b64, 'base64').toString('utf8')),
    ...Object.values(secret.stringData ?? {}),
  ];
}
