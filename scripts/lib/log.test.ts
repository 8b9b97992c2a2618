import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, formatTable } from './log.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

describe('log', () => {
  it('masks registered secrets in every line', () => {
    const out = capture();
    const err = capture();
    const log = createLogger({ out: out.stream, err: err.stream, color: false });
    log.addSecret('s3cr3t-value-123');
    log.info('token is s3cr3t-value-123.');
    log.table(['k', 'v'], [['a', 's3cr3t-value-123']]);
    expect(err.text()).toContain('token is ***.');
    expect(out.text()).not.toContain('s3cr3t');
  });

  it('prints progress on change without a terminal', () => {
    const err = capture();
    let t = 0;
    const log = createLogger({ err: err.stream, out: capture().stream, color: false, now: () => t });
    const p = log.progress('waiting for backend');
    p.update('0/2 ready');
    t = 1000;
    p.update('0/2 ready');
    t = 2000;
    p.update('1/2 ready');
    t = 3000;
    p.done('backend ready');
    expect(err.text().trimEnd().split('\n')).toEqual([
      '  … waiting for backend: 0/2 ready (0.0s)',
      '  … waiting for backend: 1/2 ready (2.0s)',
      '  ✔ backend ready (3.0s)',
    ]);
  });

  it('aligns table columns', () => {
    expect(formatTable(['check', 'result'], [['signup', 'pass'], ['chat turn', 'fail']])).toBe(
      'check      result\n---------  ------\nsignup     pass\nchat turn  fail',
    );
  });
});
