/**
 * Adds hook entries to the text of a Claude Code settings.json without reformatting it: pure,
 * no I/O. Only insertions are made (json-edit.ts: a member at the end of an object, an element at
 * the end of a list), in the indentation the file already uses, so every byte of the user's own
 * settings and hooks stays where it was. An entry already present
 * (the same event has a hook whose command runs `agent-boss hook`) is left alone, so merging twice
 * changes nothing.
 */
import { JsonEditError, memberOf, parseJson, setIn, splitBom, valueOf } from '../json-edit.js';

export { JsonEditError as SettingsError } from '../json-edit.js';

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

/**
 * Adds to `text` (the settings file's content, '' for none) the entries of `wanted` whose event
 * has no agent-boss hook yet. Throws JsonEditError when the text is not JSON or has a `hooks`
 * (or an event's entry list) of the wrong type; nothing is changed then. A key written twice is
 * read, and merged into, at its last member: the one Claude Code reads.
 */
export function mergeHookSettings(text: string, wanted: Record<string, HookEntry>): MergeResult {
  const [bom, body] = splitBom(text);
  if (body.trim() === '') {
    return { text: `${JSON.stringify({ hooks: Object.fromEntries(Object.entries(wanted).map(([e, v]) => [e, [v]])) }, null, 2)}\n`, added: Object.keys(wanted), present: [] };
  }
  const root = parseJson(body);
  if (root.type !== 'object') throw new JsonEditError('the settings file is not a JSON object');
  const hooks = memberOf(root, 'hooks');
  if (hooks !== undefined && hooks.type !== 'object') throw new JsonEditError('"hooks" in the settings file is not an object; fix it by hand, then run this again');
  const present: MergeResult['present'] = [];
  const missing: string[] = [];
  for (const event of Object.keys(wanted)) {
    const entries = memberOf(hooks, event);
    if (entries !== undefined && entries.type !== 'array') throw new JsonEditError(`"hooks.${event}" in the settings file is not a list; fix it by hand, then run this again`);
    const cmd = entries ? existingCommand(valueOf(entries)) : undefined;
    if (cmd !== undefined) present.push({ event, command: cmd });
    else missing.push(event);
  }
  if (missing.length === 0) return { text, added: [], present };
  let out = body;
  for (const event of missing) out = setIn(out, ['hooks', event], wanted[event], true);
  return { text: bom + out, added: missing, present };
}
