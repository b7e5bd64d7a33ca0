/**
 * Edits of a JSON settings document (`.mcp.json`, Claude Code's `settings.json`) that leave every
 * byte outside the edited place as it was (formatting, key order, other entries), built on
 * `jsonc-parser`. Pure, no I/O.
 *
 * Two rules of the reader are kept: a key written twice means its last member (JSON.parse, and so
 * Claude Code, keeps the last), so edits go there; and the document is strict JSON (no comments or
 * trailing commas), as Claude Code reads it.
 */
import { applyEdits, createScanner, format, getNodeValue, modify, parseTree, printParseErrorCode, SyntaxKind, type FormattingOptions, type JSONPath, type Node, type ParseError } from 'jsonc-parser';

/** A document this module will not edit; the message says what is wrong with it. */
export class JsonEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonEditError';
  }
}

/** Deepest nesting accepted: settings files are a few levels deep, and the parser recurses per level. */
export const MAX_JSON_DEPTH = 200;

const lineOf = (text: string, offset: number): number => text.slice(0, offset).split('\n').length;

/** Throws when the nesting is deeper than MAX_JSON_DEPTH, counted without recursion. */
function checkDepth(text: string): void {
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind = scanner.scan(); kind !== SyntaxKind.EOF; kind = scanner.scan()) {
    if (kind === SyntaxKind.OpenBraceToken || kind === SyntaxKind.OpenBracketToken) {
      if (++depth > MAX_JSON_DEPTH) throw new JsonEditError(`nested deeper than ${MAX_JSON_DEPTH} levels at line ${lineOf(text, scanner.getTokenOffset())}`);
    } else if (kind === SyntaxKind.CloseBraceToken || kind === SyntaxKind.CloseBracketToken) depth--;
  }
}

const WHAT: Partial<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidCommentToken: 'a comment',
  PropertyNameExpected: 'expected a key (a trailing comma?)',
  ValueExpected: 'expected a value (a trailing comma?)',
  CommaExpected: 'expected "," ',
  CloseBraceExpected: 'expected "}"',
  CloseBracketExpected: 'expected "]"',
  EndOfFileExpected: 'text after the end',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfComment: 'unterminated comment',
};

/** The strict-JSON tree of `text` (without a BOM); throws JsonEditError naming the line of the first problem. */
export function parseJson(text: string): Node {
  checkDepth(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first !== undefined || root === undefined) {
    const code = first ? printParseErrorCode(first.error) : 'ValueExpected';
    throw new JsonEditError(`not valid JSON at line ${lineOf(text, first?.offset ?? 0)}: ${(WHAT[code] ?? code).trim()}`);
  }
  return root;
}

/** The plain value of a node, as JSON.parse would give it. */
export const valueOf = (node: Node): unknown => getNodeValue(node);

/** The value node of `key` in the object `node` that a reader sees: the last member of that name. */
export function memberOf(node: Node | undefined, key: string): Node | undefined {
  if (node?.type !== 'object') return undefined;
  let found: Node | undefined;
  for (const prop of node.children ?? []) if (prop.children?.[0]?.value === key && prop.children[1] !== undefined) found = prop.children[1];
  return found;
}

/** The distinct keys of the object `node`. */
export const keysOf = (node: Node | undefined): string[] => [...new Set((node?.children ?? []).map((p) => p.children?.[0]?.value as string))];

/** The file's own layout: its indentation unit (from its first indented line, else two spaces) and line ends. */
function formattingOf(text: string): FormattingOptions {
  const unit = /\n([ \t]+)\S/.exec(text)?.[1] ?? '  ';
  const tabs = unit.includes('\t');
  return { insertSpaces: !tabs, tabSize: tabs ? 4 : unit.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/**
 * `text` with `value` set at `path` (object keys; created as needed) or, with `append`, added as the
 * last element of the list at `path`. Each step follows the member a reader sees (the last of a
 * duplicated key). The caller has checked that what exists along the path has the right type.
 */
export function setIn(text: string, path: readonly string[], value: unknown, append = false): string {
  const root = parseJson(text);
  let node = root;
  let depth = 0;
  for (; depth < path.length; depth++) {
    const next = memberOf(node, path[depth]!);
    if (next === undefined) break;
    node = next;
  }
  const rest: JSONPath = [...path.slice(depth), ...(append ? [-1] : [])];
  // jsonc-parser places the edit; it is made in the node's own text, so its path lookup (which takes
  // the first of duplicated keys) never sees an earlier member.
  const own = text.slice(node.offset, node.offset + node.length);
  const edits = modify(own, rest, value, {});
  if (edits.length !== 1) throw new Error(`json-edit: expected one edit, got ${edits.length}`);
  const edit = { ...edits[0]!, offset: edits[0]!.offset + node.offset };
  let out = applyEdits(text, [edit]);
  // A non-empty container written on one line gets the new part on that line, compact; anything else
  // is laid out in the file's indentation. Only the inserted text is formatted (and, in an empty
  // container, the breaks around it), so every other byte stays.
  const empty = (node.children ?? []).length === 0;
  if (own.includes('\n') || empty) {
    let start = edit.offset;
    let end = edit.offset + edit.content.length;
    if (empty && rest.length > 0) {
      while (start > 0 && /\s/.test(out[start - 1]!)) start--;
      start--;
      while (end < out.length && /\s/.test(out[end]!)) end++;
      end++;
    }
    out = applyEdits(out, format(out, { offset: start, length: end - start }, formattingOf(text)));
  }
  parseJson(out); // the result must be JSON again
  return out;
}

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
const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));

/** Splits a leading byte-order mark off, to be put back in front of the edited text. */
export const splitBom = (text: string): [bom: string, body: string] => (text.startsWith('\uFEFF') ? ['\uFEFF', text.slice(1)] : ['', text]);

export type MergeOutcome = 'created' | 'added' | 'replaced' | 'unchanged';

/**
 * Sets `mcpServers[name] = entry` in a `.mcp.json` text (undefined: no file yet). Only that member
 * changes; an entry that is already equal leaves the text untouched. Throws JsonEditError when the
 * text is not a JSON object or its `mcpServers` is not an object.
 */
export function mergeMcpServer(text: string | undefined, name: string, entry: unknown): { text: string; outcome: MergeOutcome; others: number } {
  if (text === undefined || text.trim() === '') {
    return { text: `${JSON.stringify({ mcpServers: { [name]: entry } }, null, 2)}\n`, outcome: 'created', others: 0 };
  }
  const [bom, body] = splitBom(text);
  const root = parseJson(body);
  if (root.type !== 'object') throw new JsonEditError('the file is not a JSON object');
  const servers = memberOf(root, 'mcpServers');
  if (servers !== undefined && servers.type !== 'object') throw new JsonEditError('its "mcpServers" is not an object');
  const others = keysOf(servers).filter((k) => k !== name).length;
  const mine = memberOf(servers, name);
  if (mine !== undefined && deepEqual(valueOf(mine), entry)) return { text, outcome: 'unchanged', others };
  return { text: bom + setIn(body, ['mcpServers', name], entry), outcome: mine === undefined ? 'added' : 'replaced', others };
}
