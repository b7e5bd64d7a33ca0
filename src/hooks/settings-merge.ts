/**
 * Adds hook entries to the text of a Claude Code settings.json without reformatting it: pure,
 * no I/O. The file is parsed with positions, and only insertions are made (a member at the end of
 * an object, an element at the end of an array), in the indentation the file already uses, so
 * every byte of the user's own settings and hooks stays where it was. An entry already present
 * (the same event has a hook whose command runs `agent-boss hook`) is left alone, so merging twice
 * changes nothing.
 */

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

type Node =
  | { kind: 'object'; start: number; end: number; members: { key: string; keyStart: number; value: Node }[] }
  | { kind: 'array'; start: number; end: number; elements: Node[] }
  | { kind: 'value'; start: number; end: number; value: unknown };

/** A strict JSON parser that keeps the offsets of every container, member and element. */
function parse(text: string): Node {
  let i = 0;
  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new SettingsError(`not valid JSON at line ${line}: ${what}`);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    if (!m) fail('bad string');
    i += m![0].length;
    return JSON.parse(m![0]) as string;
  };
  const value = (): Node => {
    ws();
    const start = i;
    const c = text[i];
    if (c === '{') {
      i++;
      const members: { key: string; keyStart: number; value: Node }[] = [];
      ws();
      if (text[i] === '}') return { kind: 'object', start, end: ++i, members };
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const keyStart = i;
        const key = str();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        members.push({ key, keyStart, value: value() });
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') return { kind: 'object', start, end: ++i, members };
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const elements: Node[] = [];
      ws();
      if (text[i] === ']') return { kind: 'array', start, end: ++i, elements };
      for (;;) {
        elements.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') return { kind: 'array', start, end: ++i, elements };
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return { kind: 'value', start, end: (str(), i), value: JSON.parse(text.slice(start, i)) };
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i));
    if (!m) fail('unexpected character');
    i += m![0].length;
    return { kind: 'value', start, end: i, value: JSON.parse(m![0]) };
  };
  const root = value();
  ws();
  if (i < text.length) fail('text after the end');
  return root;
}

/** Plain JS value of a node (for reading what is already there). */
function plain(text: string, n: Node): unknown {
  return JSON.parse(text.slice(n.start, n.end));
}

export interface HookEntry {
  matcher?: string;
  hooks: { type: 'command'; command: string; timeout?: number }[];
}

export interface MergeResult {
  text: string;
  /** Events whose entry was added. */
  added: string[];
  /** Events that already had an agent-boss hook (possibly with another command). */
  present: { event: string; command: string }[];
}

/** A hook command that runs `agent-boss hook` (however the program is spelled). */
export const isAgentBossHook = (command: string): boolean =>
  /(?:^|[\s/'"])(?:agent-boss|cli\.js)['"]?\s+hook(?:\s|$)/.test(command);

function existingCommand(entries: unknown): string | undefined {
  if (!Array.isArray(entries)) return undefined;
  for (const e of entries) {
    const hooks = (e as { hooks?: unknown })?.hooks;
    if (!Array.isArray(hooks)) continue;
    for (const h of hooks) {
      const cmd = (h as { command?: unknown })?.command;
      if (typeof cmd === 'string' && isAgentBossHook(cmd)) return cmd;
    }
  }
  return undefined;
}

/** Indentation style of a container: the whitespace before its children, or undefined when it is on one line. */
function childIndent(text: string, container: Node & { kind: 'object' | 'array' }, firstChildStart: number | undefined): string | undefined {
  if (firstChildStart === undefined) return undefined;
  const between = text.slice(container.start + 1, firstChildStart);
  const nl = between.lastIndexOf('\n');
  return nl < 0 ? undefined : between.slice(nl + 1);
}

function lineIndent(text: string, pos: number): string {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** The indentation unit of the file (from its first indented line), else two spaces. */
function indentUnit(text: string): string {
  const m = /\n([ \t]+)\S/.exec(text);
  return m ? m[1]! : '  ';
}

/** `value` as JSON whose lines after the first are indented by `indent`, in steps of `unit`. */
function render(value: unknown, unit: string, indent: string): string {
  return JSON.stringify(value, null, unit).replace(/\n/g, `\n${indent}`);
}

interface Insertion {
  at: number;
  text: string;
}

/** Text inserted to append `item` (a `"key": value` member or an element) to a container. */
function appendTo(text: string, c: Node & { kind: 'object' | 'array' }, item: (indent: string, inline: boolean) => string, unit: string): Insertion {
  const children: Node[] = c.kind === 'object' ? c.members.map((m) => m.value) : c.elements;
  const firstStart = c.kind === 'object' ? c.members[0]?.keyStart : c.elements[0]?.start;
  const own = lineIndent(text, c.start);
  if (children.length === 0) {
    const indent = own + unit;
    return { at: c.start + 1, text: `\n${indent}${item(indent, false)}\n${own}` };
  }
  const style = childIndent(text, c, firstStart);
  const last = children.at(-1)!;
  if (style === undefined) return { at: last.end, text: `, ${item('', true)}` };
  return { at: last.end, text: `,\n${style}${item(style, false)}` };
}

/**
 * Adds to `text` (the settings file's content, '' for none) the entries of `wanted` whose event
 * has no agent-boss hook yet. Throws SettingsError when the text is not JSON or has a `hooks`
 * (or an event's entry list) of the wrong type; nothing is changed then.
 */
export function mergeHookSettings(text: string, wanted: Record<string, HookEntry>): MergeResult {
  const bom = text.startsWith('\uFEFF') ? '\uFEFF' : '';
  const body = text.slice(bom.length);
  if (body.trim() === '') {
    return { text: `${JSON.stringify({ hooks: Object.fromEntries(Object.entries(wanted).map(([e, v]) => [e, [v]])) }, null, 2)}\n`, added: Object.keys(wanted), present: [] };
  }
  const root = parse(body);
  if (root.kind !== 'object') throw new SettingsError('the settings file is not a JSON object');
  const unit = indentUnit(body);
  const hooksMember = root.members.find((m) => m.key === 'hooks');
  const present: MergeResult['present'] = [];
  const missing: string[] = [];
  for (const event of Object.keys(wanted)) {
    const entries = hooksMember?.value.kind === 'object' ? hooksMember.value.members.find((m) => m.key === event)?.value : undefined;
    const cmd = entries ? existingCommand(plain(body, entries)) : undefined;
    if (cmd !== undefined) present.push({ event, command: cmd });
    else missing.push(event);
  }
  if (missing.length === 0) return { text, added: [], present };

  const inserts: Insertion[] = [];
  if (!hooksMember) {
    const value = Object.fromEntries(missing.map((e) => [e, [wanted[e]!]]));
    inserts.push(appendTo(body, root, (indent, inline) => `"hooks": ${inline ? JSON.stringify(value) : render(value, unit, indent)}`, unit));
  } else {
    const hooks = hooksMember.value;
    if (hooks.kind !== 'object') throw new SettingsError('"hooks" in the settings file is not an object; fix it by hand, then run this again');
    const newMembers: string[] = [];
    for (const event of missing) {
      const existing = hooks.members.find((m) => m.key === event);
      if (!existing) {
        newMembers.push(event);
        continue;
      }
      if (existing.value.kind !== 'array') throw new SettingsError(`"hooks.${event}" in the settings file is not a list; fix it by hand, then run this again`);
      const arr = existing.value;
      inserts.push(appendTo(body, arr, (indent, inline) => (inline ? JSON.stringify(wanted[event]) : render(wanted[event], unit, indent)), unit));
    }
    if (newMembers.length > 0) {
      inserts.push(
        appendTo(
          body,
          hooks,
          (indent, inline) =>
            newMembers
              .map((e) => `${JSON.stringify(e)}: ${inline ? JSON.stringify([wanted[e]]) : render([wanted[e]], unit, indent)}`)
              .join(inline ? ', ' : `,\n${indent}`),
          unit,
        ),
      );
    }
  }
  let out = body;
  for (const ins of inserts.sort((a, b) => b.at - a.at)) out = out.slice(0, ins.at) + ins.text + out.slice(ins.at);
  parse(out); // the result must be JSON again
  return { text: bom + out, added: missing, present };
}
