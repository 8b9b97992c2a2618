import { describe, expect, it } from 'vitest';
import { findTasks, matchScore, parseIntent, type Intent } from './intent.js';

const table: [string, Intent][] = [
  ['add buy milk', { kind: 'add', title: 'buy milk' }],
  ['Add "Buy Milk"', { kind: 'add', title: 'buy milk' }],
  ['please add a task to buy milk', { kind: 'add', title: 'buy milk' }],
  ['create task: pay rent', { kind: 'add', title: 'pay rent' }],
  ['new task call the plumber', { kind: 'add', title: 'call the plumber' }],
  ['remember to call mom', { kind: 'add', title: 'call mom' }],
  ['Remind me to water the plants!', { kind: 'add', title: 'water the plants' }],
  ['add eggs to my list', { kind: 'add', title: 'eggs' }],
  ['I need to renew my passport', { kind: 'add', title: 'renew my passport' }],
  ['new todo: make dinner', { kind: 'add', title: 'make dinner' }],
  ['add new shoes', { kind: 'add', title: 'new shoes' }],
  ['add items for the party', { kind: 'add', title: 'items for the party' }],
  ["what's left?", { kind: 'list', status: 'pending' }],
  ['What is left to do', { kind: 'list', status: 'pending' }],
  ['show my tasks', { kind: 'list', status: 'all' }],
  ['list', { kind: 'list', status: 'all' }],
  ['my todo list', { kind: 'list', status: 'all' }],
  ['show pending tasks', { kind: 'list', status: 'pending' }],
  ["what's done?", { kind: 'list', status: 'completed' }],
  ['show completed tasks', { kind: 'list', status: 'completed' }],
  ['what have I finished', { kind: 'list', status: 'completed' }],
  ['what do I still need to do?', { kind: 'list', status: 'pending' }],
  ['mark buy milk as done', { kind: 'complete', ref: { title: 'buy milk' } }],
  ['mark the milk one done', { kind: 'complete', ref: { title: 'milk' } }],
  ['complete task 3', { kind: 'complete', ref: { id: 3 } }],
  ['finish #12', { kind: 'complete', ref: { id: 12 } }],
  ['done: call mom', { kind: 'complete', ref: { title: 'call mom' } }],
  ['buy milk is done', { kind: 'complete', ref: { title: 'buy milk' } }],
  ['task 4 done', { kind: 'complete', ref: { id: 4 } }],
  ['I finished the report', { kind: 'complete', ref: { title: 'report' } }],
  ['check off buy milk', { kind: 'complete', ref: { title: 'buy milk' } }],
  ['delete task 999', { kind: 'delete', ref: { id: 999 } }],
  ['remove buy milk from my list', { kind: 'delete', ref: { title: 'buy milk' } }],
  ['get rid of the plumber task', { kind: 'delete', ref: { title: 'plumber' } }],
  ['rename task 2 to call dad', { kind: 'rename', ref: { id: 2 }, title: 'call dad' }],
  ['change buy milk to buy oat milk', { kind: 'rename', ref: { title: 'buy milk' }, title: 'buy oat milk' }],
  ["update task 5's title to 'pay rent'", { kind: 'rename', ref: { id: 5 }, title: 'pay rent' }],
  ['change the title of task 7 to walk the dog', { kind: 'rename', ref: { id: 7 }, title: 'walk the dog' }],
  ['hello', { kind: 'greet' }],
  ['help', { kind: 'greet' }],
  ['what can you do?', { kind: 'greet' }],
  ['sing me a song', { kind: 'unknown' }],
  ['', { kind: 'unknown' }],
  ['   ?!  ', { kind: 'unknown' }],
];

describe('parseIntent', () => {
  it.each(table)('%j', (message, intent) => {
    expect(parseIntent(message)).toEqual(intent);
  });

  it('never throws on arbitrary text', () => {
    for (const text of ['\u0000', 'x'.repeat(100_000), '🙂 add 🥛', 'mark  as done', 'rename to', 'delete']) {
      expect(() => parseIntent(text)).not.toThrow();
    }
  });
});

describe('title matching', () => {
  const tasks = [
    { id: 1, title: 'buy milk', completed: true },
    { id: 2, title: 'buy milk', completed: false },
    { id: 3, title: 'call the plumber', completed: false },
    { id: 4, title: 'buy bread', completed: false },
  ];

  it('scores exact above partial above typo above nothing', () => {
    expect(matchScore('buy milk', 'Buy Milk!')).toBe(1);
    expect(matchScore('milk', 'buy milk')).toBeGreaterThan(matchScore('mlik buy', 'buy milk'));
    expect(matchScore('plumbr', 'call the plumber')).toBeGreaterThan(0);
    expect(matchScore('taxes', 'buy milk')).toBe(0);
  });

  it('prefers tasks in the expected state and reports ambiguity', () => {
    expect(findTasks('milk', tasks, (t) => !t.completed).map((t) => t.id)).toEqual([2]);
    expect(findTasks('milk', tasks).map((t) => t.id)).toEqual([1, 2]);
    expect(findTasks('buy', tasks, (t) => !t.completed).map((t) => t.id)).toEqual([2, 4]);
    expect(findTasks('plumbr', tasks).map((t) => t.id)).toEqual([3]);
    expect(findTasks('dentist', tasks)).toEqual([]);
  });
});
