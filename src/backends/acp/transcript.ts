/**
 * The conversation of an ACP agent as text, built from what the protocol says (the prompts sent,
 * `session/update` notifications, permission requests and how each turn ended): what capture_output
 * and the dashboard show in place of a terminal screen. Entries are kept in order; a tool call is
 * one entry updated in place by its id; an agent's message chunks are joined into one entry.
 */

/** One part of an ACP content block list (only text is shown). */
const textOf = (content: unknown): string => {
  if (typeof content !== 'object' || content === null) return '';
  const c = content as { type?: string; text?: string; content?: unknown };
  if (c.type === 'text' && typeof c.text === 'string') return c.text;
  if (c.type === 'content') return textOf(c.content);
  return '';
};

interface Entry {
  kind: 'user' | 'agent' | 'thought' | 'tool' | 'note';
  text: string;
  /** tool: its id, title, status and output. */
  id?: string;
  status?: string;
  output?: string;
  messageId?: string;
}

/** At most this many entries are kept (the oldest are dropped). */
const MAX_ENTRIES = 2000;
/** A tool's output shows at most this many lines. */
const TOOL_OUTPUT_LINES = 5;

export class Transcript {
  private readonly entries: Entry[] = [];

  user(text: string): void {
    this.push({ kind: 'user', text });
  }

  note(text: string): void {
    this.push({ kind: 'note', text });
  }

  /** Applies one `session/update` (unknown kinds are ignored). */
  update(update: Record<string, unknown>): void {
    switch (update.sessionUpdate) {
      case 'agent_message_chunk':
      case 'agent_thought_chunk': {
        const kind = update.sessionUpdate === 'agent_message_chunk' ? 'agent' : 'thought';
        const text = textOf(update.content);
        if (text === '') return;
        const last = this.entries.at(-1);
        const messageId = typeof update.messageId === 'string' ? update.messageId : undefined;
        if (last?.kind === kind && (messageId === undefined || last.messageId === messageId)) last.text += text;
        else this.push({ kind, text, ...(messageId !== undefined && { messageId }) });
        return;
      }
      case 'user_message_chunk': {
        const text = textOf(update.content);
        if (text !== '') this.push({ kind: 'user', text });
        return;
      }
      case 'tool_call':
      case 'tool_call_update': {
        const id = String(update.toolCallId ?? '');
        let entry = this.entries.find((e) => e.kind === 'tool' && e.id === id);
        if (!entry) {
          entry = { kind: 'tool', id, text: '', status: 'pending' };
          this.push(entry);
        }
        if (typeof update.title === 'string' && update.title !== '') entry.text = update.title;
        if (typeof update.status === 'string') entry.status = update.status;
        if (typeof update.rawOutput === 'string') entry.output = update.rawOutput;
        else if (Array.isArray(update.content) && update.status !== undefined) {
          const out = update.content.map(textOf).filter((t) => t !== '').join('\n');
          if (out !== '') entry.output = out;
        }
        return;
      }
      default:
        return;
    }
  }

  /** The transcript as lines (no empty ones): `❯ ` before a prompt, `⏺ ` before a tool call. */
  lines(): string[] {
    const out: string[] = [];
    const add = (prefix: string, text: string, rest = '  ') =>
      text
        .split(/\r?\n/u)
        .filter((l) => l.trim() !== '')
        .forEach((l, i) => out.push(`${i === 0 ? prefix : rest}${l}`));
    for (const e of this.entries) {
      if (e.kind === 'user') add('❯ ', e.text);
      else if (e.kind === 'agent') add('', e.text, '');
      else if (e.kind === 'thought') add('✻ ', e.text);
      else if (e.kind === 'note') add('· ', e.text);
      else {
        add('⏺ ', `${e.text || 'tool call'} [${e.status ?? 'pending'}]`);
        if (e.output) add('  ⎿ ', e.output.split(/\r?\n/u).slice(0, TOOL_OUTPUT_LINES).join('\n'), '    ');
      }
    }
    return out;
  }

  /** The last `n` lines. */
  tail(n: number): string[] {
    return n <= 0 ? [] : this.lines().slice(-n);
  }

  private push(e: Entry): void {
    this.entries.push(e);
    if (this.entries.length > MAX_ENTRIES) this.entries.splice(0, this.entries.length - MAX_ENTRIES);
  }
}
