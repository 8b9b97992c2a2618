import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { log } from './log.js';

/** Bad command-line input: the script prints the message and its usage and exits 2 without changing anything. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `--help` was given: the script prints its usage to stdout and exits 0. */
export class HelpRequested extends Error {
  override name = 'HelpRequested';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  default?: string | boolean;
  description: string;
  /** Shown in the usage as `--name VALUE`. */
  valueName?: string;
}

export interface PositionalSpec {
  name: string;
  description: string;
  optional?: boolean;
}

export interface CommandSpec<O extends Record<string, OptionSpec> = Record<string, OptionSpec>> {
  /** The command line a person types, e.g. `npx tsx scripts/scale.ts`. */
  command: string;
  summary: string;
  positionals?: PositionalSpec[];
  options: O;
  examples?: string[];
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true ? boolean[] : boolean
  : S['multiple'] extends true ? string[] : string;

export type ParsedValues<O extends Record<string, OptionSpec>> = {
  [K in keyof O]: O[K] extends { default: string | boolean } ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

export interface Parsed<O extends Record<string, OptionSpec>> {
  values: ParsedValues<O>;
  positionals: string[];
}

/** Options every script takes. Scripts spread these into their own option table. */
export const commonOptions = {
  context: { type: 'string', valueName: 'NAME', description: 'kubectl context to use (default: the current context)' },
  namespace: { type: 'string', short: 'n', default: 'todo', valueName: 'NS', description: 'namespace of the app' },
  help: { type: 'boolean', short: 'h', default: false, description: 'show this help' },
} as const satisfies Record<string, OptionSpec>;

export function usage(spec: CommandSpec): string {
  const positionals = (spec.positionals ?? []).map((p) => (p.optional ? `[${p.name}]` : `<${p.name}>`));
  const lines = [`Usage: ${[spec.command, ...positionals, '[options]'].join(' ')}`, '', spec.summary, ''];
  if (spec.positionals?.length) {
    lines.push('Arguments:');
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(26)}${p.description}`);
    lines.push('');
  }
  lines.push('Options:');
  for (const [name, o] of Object.entries(spec.options)) {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : ''}`;
    const dflt = o.type === 'string' && typeof o.default === 'string' ? ` (default: ${o.default})` : '';
    lines.push(`  ${flag.padEnd(26)}${o.description}${dflt}`);
  }
  if (spec.examples?.length) {
    lines.push('', 'Examples:');
    for (const e of spec.examples) lines.push(`  ${e}`);
  }
  return lines.join('\n');
}

/**
 * Parses argv strictly: unknown options, missing option values, too many or too few positionals all become a
 * UsageError naming the problem. `--help` wins over every other error so a confused user always gets the usage.
 */
export function parseCommand<O extends Record<string, OptionSpec>>(spec: CommandSpec<O>, argv: string[]): Parsed<O> {
  if (argv.includes('--help') || argv.includes('-h')) throw new HelpRequested();
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}), ...(o.default !== undefined ? { default: o.default } : {}) },
    ]),
  );
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: options as never, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const specs = spec.positionals ?? [];
  const required = specs.filter((p) => !p.optional).length;
  if (parsed.positionals.length < required) {
    const missing = specs.slice(parsed.positionals.length).filter((p) => !p.optional).map((p) => `<${p.name}>`);
    throw new UsageError(`missing argument ${missing.join(' ')}`);
  }
  if (parsed.positionals.length > specs.length) {
    throw new UsageError(`unexpected argument '${parsed.positionals[specs.length]}'`);
  }
  for (const [name, o] of Object.entries(spec.options)) {
    const v = parsed.values[name];
    if (o.type === 'string' && typeof v === 'string' && v.trim() === '') throw new UsageError(`--${name} must not be empty`);
  }
  if (typeof parsed.values.namespace === 'string') checkDnsLabel('--namespace', parsed.values.namespace);
  return { values: { ...parsed.values } as ParsedValues<O>, positionals: parsed.positionals };
}

export function checkDnsLabel(what: string, value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value)) {
    throw new UsageError(`${what} '${value}' is not a valid name (lower-case letters, digits and '-', at most 63)`);
  }
  return value;
}

export function parseInteger(what: string, value: string, range: { min: number; max: number }): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`${what} must be a whole number, got '${value}'`);
  const n = Number(value);
  if (n < range.min || n > range.max) throw new UsageError(`${what} must be between ${range.min} and ${range.max}, got ${n}`);
  return n;
}

export function parseChoice<T extends string>(what: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`${what} must be one of ${choices.join(', ')}, got '${value}'`);
  }
  return value as T;
}

/** `host:port` of a registry the cluster can pull from; no scheme, no path. */
export function parseRegistry(value: string): string {
  if (!/^[a-zA-Z0-9.-]+(:\d{1,5})?$/.test(value)) {
    throw new UsageError(`--registry must look like host:port (e.g. localhost:5000), got '${value}'`);
  }
  return value;
}

/** True when the module at `moduleUrl` is the script node was asked to run (not imported by a test or another script). */
export function isEntry(moduleUrl: string): boolean {
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(argv1);
  } catch {
    return false;
  }
}

/**
 * Runs a script's main: usage errors exit 2 with the usage on stderr, `--help` prints the usage and exits 0,
 * anything else is an operational failure (exit 1) reported by its message (and `hint`/`details` when present).
 */
export function runMain(spec: CommandSpec, main: (argv: string[]) => Promise<number | void>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code ?? 0;
    },
    (err: unknown) => {
      if (err instanceof HelpRequested) {
        process.stdout.write(`${usage(spec)}\n`);
        process.exitCode = 0;
      } else if (err instanceof UsageError) {
        process.stderr.write(`error: ${err.message}\n\n${usage(spec)}\n`);
        process.exitCode = 2;
      } else {
        const e = err as Error & { hint?: string };
        // A failed command's message can quote its output; secrets the script registered stay masked here too.
        process.stderr.write(log.mask(`\n✖ ${e?.message ?? String(err)}\n`));
        if (e?.hint) process.stderr.write(log.mask(`  hint: ${e.hint}\n`));
        process.exitCode = 1;
      }
    },
  );
}

/** An operational failure with a hint for the person at the keyboard. */
export class ScriptError extends Error {
  override name = 'ScriptError';
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}
