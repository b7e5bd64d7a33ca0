/**
 * How Claude Code continues a conversation: `claude --resume <id>`, in the directory the
 * conversation belongs to. Pure.
 */
import type { AgentResume } from '../../backends/agent-ui.js';

/** Flags that pick a conversation themselves, with a value (`--resume <id>`, `--session-id=<id>`) or without. */
const WITH_VALUE = new Set(['--resume', '-r', '--session-id']);
const ALONE = new Set(['--continue', '-c', '--fork-session']);

/** The shell words of a command line outside quotes, with where each starts and ends (quotes and backslashes kept in place). */
function words(command: string): { text: string; start: number; end: number }[] {
  const out: { text: string; start: number; end: number }[] = [];
  let i = 0;
  while (i < command.length) {
    while (i < command.length && /\s/u.test(command[i]!)) i++;
    if (i >= command.length) break;
    const start = i;
    let text = '';
    while (i < command.length && !/\s/u.test(command[i]!)) {
      const ch = command[i]!;
      if (ch === "'" || ch === '"') {
        const close = command.indexOf(ch, i + 1);
        const end = close < 0 ? command.length : close + 1;
        text += command.slice(i, end);
        i = end;
      } else if (ch === '\\') {
        text += command.slice(i, i + 2);
        i += 2;
      } else {
        text += ch;
        i++;
      }
    }
    out.push({ text, start, end: i });
  }
  return out;
}

export const CLAUDE_CODE_RESUME: AgentResume = {
  command(command, id) {
    const ws = words(command);
    const drop: { start: number; end: number }[] = [];
    for (let k = 0; k < ws.length; k++) {
      const w = ws[k]!;
      const [flag] = w.text.split('=', 1) as [string];
      if (ALONE.has(w.text) || (WITH_VALUE.has(flag) && w.text.includes('='))) drop.push(w);
      else if (WITH_VALUE.has(w.text)) {
        const value = ws[k + 1];
        // `--resume` alone opens Claude Code's picker; with an id it picks that one.
        if (value !== undefined && !value.text.startsWith('-')) {
          drop.push({ start: w.start, end: value.end });
          k++;
        } else drop.push(w);
      }
    }
    let kept = command;
    for (const d of drop.reverse()) kept = `${kept.slice(0, d.start).trimEnd()}${d.end < kept.length ? ' ' : ''}${kept.slice(d.end).trimStart()}`;
    return `${kept.trim()} --resume ${id}`;
  },
  idOf: (shown) => /(?:--resume|-r) ([\w-]{8,})/u.exec(shown)?.[1],
};
