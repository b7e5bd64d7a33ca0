/**
 * The "legacy" strategies: the call pattern of the coordinator this project replaces, reproduced
 * as plain execa calls of `tmux` (one process per call, looked up on PATH like the original), so
 * the benchmarks compare our backend against it on the same machine in the same run.
 *
 * Liveness, per session, one session after the other:
 *   1. `tmux list-sessions`                       — does the session exist?
 *   2. `tmux capture-pane -p -t NAME -S -10`      — last 10 lines: is it idle?
 *   3. when not idle, two more captures for the approval check:
 *      `tmux capture-pane -p -t NAME`             — is a permission dialog on screen?
 *      `tmux capture-pane -p -t NAME -S -50`      — read its tool name and prompt text
 * (The legacy HTTP route also slept 300 ms between agents; that sleep is NOT reproduced here, so
 * the legacy figures are a lower bound of what it cost.)
 *
 * Send input: `tmux send-keys -t NAME TEXT` (no `-l`, so key names in TEXT were taken as keys),
 * sleep 800 ms, `tmux send-keys -t NAME C-m`, sleep 800 ms; text above 8 KB went through a paste
 * buffer (`load-buffer`, `paste-buffer`) instead of send-keys.
 *
 * The screen reading itself reuses our pure parser so both sides classify screens alike; the cost
 * being compared is the processes and the waiting, not the parsing.
 */
import { execa } from 'execa';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseScreen } from '../src/agents/claude-code/screen.js';

export const LEGACY = 'legacy';

/** The legacy code's pauses around pressing Enter. */
export const LEGACY_SEND_PAUSE_MS = 800;
/** Above this, the legacy code pasted through a buffer instead of send-keys. */
export const LEGACY_PASTE_THRESHOLD = 8 * 1024;

export interface LegacyProbe {
  exists: boolean;
  idle: boolean;
  needsApproval: boolean;
  toolName?: string;
}

/** `tmux -L socket …` as its own process; stdout, or undefined when tmux failed. */
async function tmux(socket: string, args: readonly string[], input?: string): Promise<string | undefined> {
  const r = await execa('tmux', ['-L', socket, ...args], {
    reject: false,
    timeout: 15_000,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
  });
  return r.failed ? undefined : r.stdout;
}

const lastNonEmpty = (text: string, n: number): string[] =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(-n);

/** One legacy liveness probe of the given sessions (sequential, several processes each). */
export async function legacyProbe(socket: string, sessionIds: readonly string[]): Promise<Map<string, LegacyProbe>> {
  const out = new Map<string, LegacyProbe>();
  for (const id of sessionIds) {
    const listing = await tmux(socket, ['list-sessions', '-F', '#{session_name}']);
    const exists = listing !== undefined && listing.split('\n').includes(id);
    if (!exists) {
      out.set(id, { exists: false, idle: false, needsApproval: false });
      continue;
    }
    const tail = await tmux(socket, ['capture-pane', '-p', '-t', id, '-S', '-10']);
    const idle = tail !== undefined && parseScreen(lastNonEmpty(tail, 10)).state === 'idle';
    if (idle) {
      out.set(id, { exists: true, idle: true, needsApproval: false });
      continue;
    }
    const screen = await tmux(socket, ['capture-pane', '-p', '-t', id]);
    const dialog = screen !== undefined && parseScreen(screen.split('\n')).state === 'waiting_approval';
    const detail = await tmux(socket, ['capture-pane', '-p', '-t', id, '-S', '-50']);
    const analysis = detail !== undefined ? parseScreen(detail.split('\n')) : undefined;
    const probe: LegacyProbe = { exists: true, idle: false, needsApproval: dialog };
    if (dialog && analysis?.toolName !== undefined) probe.toolName = analysis.toolName;
    out.set(id, probe);
  }
  return out;
}

/** The legacy send: text, 800 ms, C-m, 800 ms. Resolves when the legacy call would have returned. */
export async function legacySendInput(socket: string, sessionId: string, text: string): Promise<void> {
  if (Buffer.byteLength(text, 'utf8') > LEGACY_PASTE_THRESHOLD) {
    const buffer = `legacy-${process.pid}`;
    if ((await tmux(socket, ['load-buffer', '-b', buffer, '-'], text)) === undefined) throw new Error('legacy load-buffer failed');
    if ((await tmux(socket, ['paste-buffer', '-b', buffer, '-t', sessionId])) === undefined) throw new Error('legacy paste-buffer failed');
  } else if ((await tmux(socket, ['send-keys', '-t', sessionId, text])) === undefined) {
    throw new Error('legacy send-keys failed');
  }
  await sleep(LEGACY_SEND_PAUSE_MS);
  if ((await tmux(socket, ['send-keys', '-t', sessionId, 'C-m'])) === undefined) throw new Error('legacy send-keys C-m failed');
  await sleep(LEGACY_SEND_PAUSE_MS);
}
