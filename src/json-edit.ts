/**
 * Text-level edits of a JSON document that leave every byte outside the edited member as it was
 * (formatting, key order, other servers' entries), for merging one MCP server into a `.mcp.json`.
 */

interface Member {
  key: string;
  /** Offset of the key's opening quote. */
  start: number;
  valueStart: number;
  valueEnd: number;
}

const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const skipWs = (s: string, i: number): number => {
  while (isWs(s[i])) i++;
  return i;
};

function scanString(s: string, i: number): number {
  i++;
  while (i < s.length && s[i] !== '"') i += s[i] === '\\' ? 2 : 1;
  return i + 1;
}

/** Offset just after the JSON value starting at i (the document is known to be valid JSON). */
function scanValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return scanString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < s.length) {
      const ch = s[i];
      if (ch === '"') {
        i = scanString(s, i);
        continue;
      }
      if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < s.length && !isWs(s[i]) && s[i] !== ',' && s[i] !== '}' && s[i] !== ']') i++;
  return i;
}

/** The members of the object whose `{` is at `open`, and the offset of its closing `}`. */
function membersOf(s: string, open: number): { members: Member[]; close: number } {
  const members: Member[] = [];
  let i = skipWs(s, open + 1);
  while (s[i] !== '}') {
    const start = i;
    const keyEnd = scanString(s, i);
    const key = JSON.parse(s.slice(start, keyEnd)) as string;
    i = skipWs(s, keyEnd) + 1; // the colon
    const valueStart = skipWs(s, i);
    const valueEnd = scanValue(s, valueStart);
    members.push({ key, start, valueStart, valueEnd });
    i = skipWs(s, valueEnd);
    if (s[i] === ',') i = skipWs(s, i + 1);
  }
  return { members, close: i };
}

/** The whitespace at the start of the line that holds offset i. */
function indentAt(s: string, i: number): string {
  const lineStart = s.lastIndexOf('\n', i - 1) + 1;
  return /^[ \t]*/.exec(s.slice(lineStart))![0];
}

/** JSON of `value` pretty-printed with `unit` per level, continuation lines indented by `indent`. */
const render = (value: unknown, indent: string, unit: string): string => JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`);

/** Guess the file's indentation unit from its first indented line. */
const unitOf = (s: string): string => /\n([ \t]+)\S/.exec(s)?.[1] ?? '  ';

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
const sortKeys = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(sortKeys)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
        )
      : v;

/** Inserts `"key": value` as the last member of the object at `open`. */
function insertMember(s: string, open: number, key: string, value: unknown, unit: string): string {
  const { members, close } = membersOf(s, open);
  const parentIndent = indentAt(s, open);
  if (members.length === 0) {
    const indent = parentIndent + unit;
    return `${s.slice(0, open + 1)}\n${indent}${JSON.stringify(key)}: ${render(value, indent, unit)}\n${parentIndent}${s.slice(close)}`;
  }
  const last = members[members.length - 1]!;
  const firstIndent = indentAt(s, members[0]!.start);
  const sameLine = !s.slice(open, members[0]!.start).includes('\n');
  const indent = sameLine ? parentIndent + unit : firstIndent;
  const sep = sameLine ? ' ' : `\n${indent}`;
  return `${s.slice(0, last.valueEnd)},${sep}${JSON.stringify(key)}: ${render(value, indent, unit)}${s.slice(last.valueEnd)}`;
}

export type MergeOutcome = 'created' | 'added' | 'replaced' | 'unchanged';

/**
 * Sets `mcpServers[name] = entry` in a `.mcp.json` text (undefined: no file yet). Only that member
 * changes; an entry that is already equal leaves the text untouched. Throws when the text is not a
 * JSON object or its `mcpServers` is not an object.
 */
export function mergeMcpServer(text: string | undefined, name: string, entry: unknown): { text: string; outcome: MergeOutcome; others: number } {
  if (text === undefined || text.trim() === '') {
    return { text: `${JSON.stringify({ mcpServers: { [name]: entry } }, null, 2)}\n`, outcome: 'created', others: 0 };
  }
  const doc: unknown = JSON.parse(text);
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('the file is not a JSON object');
  const unit = unitOf(text);
  const open = skipWs(text, 0);
  const top = membersOf(text, open).members;
  const servers = [...top].reverse().find((m) => m.key === 'mcpServers');
  if (servers === undefined) return { text: insertMember(text, open, 'mcpServers', { [name]: entry }, unit), outcome: 'added', others: 0 };
  if (text[servers.valueStart] !== '{') throw new Error('its "mcpServers" is not an object');
  const { members } = membersOf(text, servers.valueStart);
  const others = new Set(members.map((m) => m.key).filter((k) => k !== name)).size;
  const mine = [...members].reverse().find((m) => m.key === name);
  if (mine === undefined) return { text: insertMember(text, servers.valueStart, name, entry, unit), outcome: 'added', others };
  const current: unknown = JSON.parse(text.slice(mine.valueStart, mine.valueEnd));
  if (deepEqual(current, entry)) return { text, outcome: 'unchanged', others };
  const indent = indentAt(text, mine.start);
  return { text: text.slice(0, mine.valueStart) + render(entry, indent, unit) + text.slice(mine.valueEnd), outcome: 'replaced', others };
}
