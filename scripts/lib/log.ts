import kleur from 'kleur';

/**
 * Human output of the scripts. Progress and status lines go to stderr so that stdout carries only what a caller
 * may pipe: the summary table, or JSON with `--json`. Every line passes through `mask`, so a secret value that was
 * registered with `addSecret` cannot reach a terminal or a CI log even when a command echoes it back.
 */
export interface Logger {
  step(title: string): void;
  ok(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  fail(message: string): void;
  /** Indented raw lines (events, log tails) under the previous line. */
  detail(lines: string | string[]): void;
  /** A line that shows a wait is alive: updated in place on a terminal, printed on change (or every 15 s) elsewhere. */
  progress(label: string): Progress;
  /** The summary table, on stdout. */
  table(headers: string[], rows: (string | number)[][]): void;
  addSecret(value: string | undefined): void;
  mask(text: string): string;
}

export interface Progress {
  update(status: string): void;
  done(message?: string): void;
  fail(message?: string): void;
}

export interface LoggerOptions {
  out?: NodeJS.WritableStream & { isTTY?: boolean };
  err?: NodeJS.WritableStream & { isTTY?: boolean };
  color?: boolean;
  now?: () => number;
}

export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => plain(r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - plain(c).length))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const now = options.now ?? Date.now;
  const k = kleur;
  k.enabled = options.color ?? Boolean(err.isTTY);
  const secrets = new Set<string>();
  let openProgress = false;

  const mask = (text: string) => {
    let masked = text;
    // Longest first, so a secret that contains another is masked whole.
    for (const s of [...secrets].sort((a, b) => b.length - a.length)) masked = masked.split(s).join('***');
    return masked;
  };
  const write = (stream: NodeJS.WritableStream, text: string) => {
    if (openProgress && stream === err && err.isTTY) err.write('\n');
    openProgress = false;
    stream.write(`${mask(text)}\n`);
  };

  return {
    step: (title) => write(err, `\n${k.bold().cyan('▸')} ${k.bold(title)}`),
    ok: (m) => write(err, `  ${k.green('✔')} ${m}`),
    info: (m) => write(err, `  ${k.dim('·')} ${m}`),
    warn: (m) => write(err, `  ${k.yellow('!')} ${k.yellow(m)}`),
    fail: (m) => write(err, `  ${k.red('✖')} ${k.red(m)}`),
    detail: (lines) => {
      for (const l of Array.isArray(lines) ? lines : lines.split('\n')) write(err, `      ${k.dim(l)}`);
    },
    progress(label) {
      const started = now();
      let last = '';
      let lastPrinted = 0;
      const elapsed = () => formatSeconds(now() - started);
      return {
        update(status) {
          if (err.isTTY) {
            err.write(`\r\x1b[2K  ${k.cyan('…')} ${mask(`${label}: ${status}`)} ${k.dim(`(${elapsed()})`)}`);
            openProgress = true;
          } else if (status !== last || now() - lastPrinted >= 15_000) {
            write(err, `  … ${label}: ${status} (${elapsed()})`);
            lastPrinted = now();
          }
          last = status;
        },
        done(message) {
          if (err.isTTY && openProgress) err.write('\r\x1b[2K');
          openProgress = false;
          write(err, `  ${k.green('✔')} ${message ?? label} ${k.dim(`(${elapsed()})`)}`);
        },
        fail(message) {
          if (err.isTTY && openProgress) err.write('\r\x1b[2K');
          openProgress = false;
          write(err, `  ${k.red('✖')} ${k.red(message ?? label)} ${k.dim(`(${elapsed()})`)}`);
        },
      };
    },
    table: (headers, rows) => write(out, `\n${formatTable(headers, rows)}`),
    addSecret(value) {
      // Very short values would mask ordinary words; the secrets we handle are long random strings.
      if (value && value.length >= 6) secrets.add(value);
    },
    mask,
  };
}

export const log: Logger = createLogger();
