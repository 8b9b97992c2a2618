// What a chat message asks for, as the offline model understands it. Pure functions, no I/O.

/** A task named by its id ("task 3", "#3") or by (part of) its title ("the milk one"). */
export type TaskRef = { id: number } | { title: string };

export type Intent =
  | { kind: 'add'; title: string }
  | { kind: 'list'; status: 'all' | 'pending' | 'completed' }
  | { kind: 'complete'; ref: TaskRef }
  | { kind: 'delete'; ref: TaskRef }
  | { kind: 'rename'; ref: TaskRef; title: string }
  | { kind: 'greet' }
  | { kind: 'unknown' };

const doneWord = '(?:done|complete|completed|finished|checked(?: off)?|ticked(?: off)?)';
const listNoun = '(?:(?:my|the)\\s+)?(?:todo\\s+|to-do\\s+|task\\s+)?(?:list|tasks|todos|to-dos)';

// Ordered: the first pattern that matches wins, so the specific forms come before the loose ones.
const rules: { pattern: RegExp; build: (m: RegExpMatchArray) => Intent | undefined }[] = [
  // complete
  {
    pattern: new RegExp(`^(?:mark|set|flag)\\s+(.+?)\\s+(?:as\\s+)?${doneWord}$`),
    build: (m) => complete(m[1]!),
  },
  {
    pattern: /^(?:complete|finish|finished|close|check off|check|tick off|tick|cross off|done with|i(?:'ve| have)? (?:finished|completed|done))\s+(.+)$/,
    build: (m) => complete(m[1]!),
  },
  { pattern: /^done\s*[:\-]?\s+(.+)$/, build: (m) => complete(m[1]!) },
  // delete
  {
    pattern: /^(?:delete|remove|drop|erase|cancel|forget(?: about)?|get rid of|scratch|trash)\s+(.+)$/,
    build: (m) => {
      const ref = parseRef(m[1]!);
      return ref && { kind: 'delete', ref };
    },
  },
  // rename / update
  {
    pattern: /^(?:rename|change|update|edit|retitle|reword)\s+(.+?)\s+(?:to|into|as)\s+(.+)$/,
    build: (m) => {
      const ref = parseRef(m[1]!.replace(/^(?:the\s+)?(?:title|name|text)\s+of\s+/, '').replace(/(?:'s)?\s+(?:title|name)$/, ''));
      const title = cleanTitle(m[2]!);
      return ref && title ? { kind: 'rename', ref, title } : undefined;
    },
  },
  {
    pattern: /^(?:hi|hello|hey|hiya|help|good (?:morning|afternoon|evening)|what can you do|what do you do|who are you|what are you)$/,
    build: () => ({ kind: 'greet' }),
  },
  // list (before add, so "what do I need to do" is not read as adding "do")
  {
    pattern: new RegExp(
      `^(?:(?:please\\s+)?(?:list|show|display|view|see|give me|read|tell me)\\b.*|what(?:'s| is| are| do| have| did)?\\b.*|which\\b.*|how many\\b.*|${listNoun}|(?:any(?:thing)?\\s+)?(?:pending|left|remaining|completed|done)(?:\\s+tasks)?)$`,
    ),
    build: (m) => ({ kind: 'list', status: listStatus(m[0]) }),
  },
  // "buy milk is done": loose, so only after the questions ("what's done?") have been taken by list
  { pattern: new RegExp(`^(.+?)\\s+(?:is\\s+|are\\s+)?(?:now\\s+)?${doneWord}$`), build: (m) => complete(m[1]!) },
  // add
  {
    pattern: new RegExp(
      `^(?:add|create|new(?= (?:task|todo|to-do|item|reminder))|remember|remind me|note|put|i need to|i have to|i must|don't forget|dont forget)\\b\\s*(?:a\\s+)?(?:new\\s+(?=(?:task|todo|to-do|item|reminder)\\b))?(?:(?:task|todo|to-do|item|reminder|note)\\b)?\\s*(?:to\\s+|that\\s+|:\\s*|-\\s*)?(.+?)(?:\\s+(?:to|on|in)\\s+${listNoun})?$`,
    ),
    build: (m) => {
      const title = cleanTitle(m[1]!);
      return title ? { kind: 'add', title } : undefined;
    },
  },
];

export function parseIntent(message: string): Intent {
  const text = normalizeMessage(message);
  if (!text) return { kind: 'unknown' };
  for (const rule of rules) {
    const m = text.match(rule.pattern);
    if (!m) continue;
    const intent = rule.build(m);
    if (intent) return intent;
  }
  return { kind: 'unknown' };
}

/** Lower-cases, straightens quotes and drops politeness and closing punctuation. */
function normalizeMessage(message: string): string {
  return message
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .trim()
    .replace(/[.!?\s]+$/, '')
    .replace(/^(?:ok(?:ay)?|so|hey|please|pls|can you|could you|would you|will you|kindly)[,\s]+/i, '')
    .replace(/^(?:please|pls)[,\s]+/i, '')
    .replace(/[,\s]+(?:please|pls|thanks|thank you)$/i, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

function complete(target: string): Intent | undefined {
  const ref = parseRef(target);
  return ref && { kind: 'complete', ref };
}

export function parseRef(target: string): TaskRef | undefined {
  const text = target
    .trim()
    .replace(/\s+(?:from|off|on|in)\s+(?:my|the)\s+(?:todo\s+|to-do\s+)?(?:list|tasks|todos)$/, '')
    .replace(/\s+(?:as|to)$/, '');
  const byNumber = text.match(/^(?:the\s+)?(?:task|todo|item|number|no\.?|#)?\s*(?:number\s+|no\.?\s*|#)?(\d+)$/);
  if (byNumber) return { id: Number(byNumber[1]) };
  const title = cleanTitle(
    text
      .replace(/^(?:the|my|a|an|that|this)\s+/, '')
      .replace(/^(?:task|todo|item)\s+(?:to\s+|called\s+|named\s+)?/, '')
      .replace(/\s+(?:one|task|todo|item|thing)$/, ''),
  );
  return title ? { title } : undefined;
}

function cleanTitle(raw: string): string {
  return raw
    .trim()
    .replace(/^["'`]+|["'`]+$/g, '')
    .replace(/[.!?]+$/, '')
    .trim();
}

function listStatus(text: string): 'all' | 'pending' | 'completed' {
  if (/\b(?:left|pending|remaining|open|outstanding|incomplete|unfinished|not done|to do|need to|have to|still)\b/.test(text)) {
    return 'pending';
  }
  if (/\b(?:done|completed|finished|did i)\b/.test(text)) return 'completed';
  return 'all';
}

// --- matching a title reference against the user's tasks ------------------------------------------------

export interface Candidate {
  id: number;
  title: string;
  completed: boolean;
}

const stopWords = new Set(['the', 'a', 'an', 'my', 'to', 'of', 'for', 'and', 'one', 'task', 'some']);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
}

function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  if (Math.abs(a.length - b.length) > 1 || Math.min(a.length, b.length) < 4) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    if (++edits > 1) return false;
    if (a.length > b.length) i++;
    else if (b.length > a.length) j++;
    else {
      i++;
      j++;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}

/** How well a title reference names a task, from 0 (not at all) to 1 (same words). */
export function matchScore(query: string, title: string): number {
  const q = words(query).join(' ');
  const t = words(title).join(' ');
  if (!q || !t) return 0;
  if (q === t) return 1;
  if (` ${t} `.includes(` ${q} `) || ` ${q} `.includes(` ${t} `)) return 0.9;
  const qWords = words(query).filter((w) => !stopWords.has(w));
  const tWords = words(title).filter((w) => !stopWords.has(w));
  if (qWords.length === 0 || tWords.length === 0) return 0;
  const hits = qWords.filter((w) => tWords.some((tw) => withinOneEdit(w, tw))).length;
  const coverage = hits / qWords.length;
  return coverage >= 0.5 ? 0.4 + 0.4 * coverage * (hits / tWords.length) : 0;
}

/**
 * The tasks a title reference most likely means: the best-scoring ones, preferring tasks in the state the
 * action expects (completing looks at pending tasks first). Several results mean the reference is ambiguous.
 */
export function findTasks(query: string, tasks: Candidate[], prefer?: (t: Candidate) => boolean): Candidate[] {
  const scored = tasks.map((task) => ({ task, score: matchScore(query, task.title) })).filter((s) => s.score > 0);
  if (scored.length === 0) return [];
  const pool = prefer && scored.some((s) => prefer(s.task)) ? scored.filter((s) => prefer(s.task)) : scored;
  const best = Math.max(...pool.map((s) => s.score));
  return pool.filter((s) => s.score === best).map((s) => s.task);
}
