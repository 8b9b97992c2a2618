import { describe, expect, it } from 'vitest';
import { HelpRequested, UsageError, commonOptions, parseCommand, parseInteger, parseRegistry, usage, type CommandSpec } from './args.js';

const spec = {
  command: 'npx tsx scripts/example.ts',
  summary: 'Example.',
  positionals: [{ name: 'component', description: 'which one' }],
  options: { ...commonOptions, json: { type: 'boolean', default: false, description: 'JSON output' } },
} as const satisfies CommandSpec;

describe('parseCommand', () => {
  it('parses options, defaults and positionals', () => {
    const { values, positionals } = parseCommand(spec, ['backend', '--context', 'kind-x', '--json']);
    expect(values).toMatchObject({ context: 'kind-x', namespace: 'todo', json: true, help: false });
    expect(positionals).toEqual(['backend']);
  });

  it.each([
    [['backend', '--bogus'], /Unknown option '--bogus'/],
    [['backend', '--context'], /argument missing/],
    [[], /missing argument <component>/],
    [['a', 'b'], /unexpected argument 'b'/],
    [['a', '--namespace', 'Bad_NS'], /--namespace 'Bad_NS' is not a valid name/],
    [['a', '--context='], /--context must not be empty/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCommand(spec, argv)).toThrow(UsageError);
    expect(() => parseCommand(spec, argv)).toThrow(message);
  });

  it('treats --help as a request for usage even next to bad input', () => {
    expect(() => parseCommand(spec, ['--bogus', '--help'])).toThrow(HelpRequested);
  });

  it('documents every option in the usage', () => {
    const text = usage(spec);
    for (const name of Object.keys(spec.options)) expect(text).toContain(`--${name}`);
    expect(text).toContain('Usage: npx tsx scripts/example.ts <component> [options]');
  });
});

describe('value parsers', () => {
  it('parseInteger', () => {
    expect(parseInteger('replicas', '3', { min: 0, max: 5 })).toBe(3);
    expect(() => parseInteger('replicas', '-1', { min: 0, max: 5 })).toThrow(/whole number/);
    expect(() => parseInteger('replicas', '6', { min: 0, max: 5 })).toThrow(/between 0 and 5/);
    expect(() => parseInteger('replicas', '1.5', { min: 0, max: 5 })).toThrow(UsageError);
  });
  it('parseRegistry', () => {
    expect(parseRegistry('localhost:5000')).toBe('localhost:5000');
    expect(() => parseRegistry('http://localhost:5000')).toThrow(/host:port/);
  });
});
