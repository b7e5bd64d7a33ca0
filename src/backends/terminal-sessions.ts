/**
 * What the session backends over one terminal share, whatever agent program each drives (one
 * AgentSessionBackend per agent kind, see agent-session-backend.ts): the sessions it was told
 * about, the screens it read (the batched probe's cache), when each dialog was first seen, and the
 * backend of each kind. The probe lives here: one pane listing for every session of the terminal,
 * each screen read with the UI of its own agent's kind.
 */
import type { AgentUi, ScreenReading } from './agent-ui.js';
import type { ApprovalInfo, SessionProbe } from './session-backend.js';
import { validSessionId } from './session-ids.js';
import type { Terminal } from './terminal.js';

interface CachedScreen {
  /** The pane's activity when listed before the capture. */
  activity: number;
  /** Whole second (local clock) taken BEFORE the listing that led to the capture. */
  capturedSec: number;
  /** The agent kind whose UI read it (a pane read with another UI is read again). */
  kind: string;
  reading: ScreenReading;
}

export class TerminalSessions<B = unknown> {
  /** Sessions this server created or was told about, with the agent when known. */
  readonly tracked = new Map<string, string | undefined>();
  /** The backend of each agent kind over this terminal, made when first asked for. */
  readonly byKind = new Map<string, B>();
  private readonly screens = new Map<string, CachedScreen>();
  /** When each session's current dialog (by prompt id) was first seen on screen. */
  private readonly dialogSeen = new Map<string, { promptId: string; at: number }>();

  constructor(readonly terminal: Terminal) {}

  /**
   * The liveness hot path. One pane listing answers which sessions exist and when each window
   * last had output; only panes that may have changed since their cached capture are captured
   * again, all in one batch (for tmux: pipelined over the control client, no new process). Each
   * screen is read with `uiOf(session)`.
   */
  async probe(sessionIds: readonly string[], uiOf: (sessionId: string) => AgentUi): Promise<Map<string, SessionProbe>> {
    // Taken BEFORE listing: the terminal stamps any later output with this second or a later one.
    const nowSec = Math.floor(Date.now() / 1000);
    const panes = await this.terminal.listPanes();
    const bySession = new Map<string, (typeof panes)[number]>();
    for (const row of panes) {
      const seen = bySession.get(row.session);
      if (!seen || (row.active && !seen.active)) bySession.set(row.session, row);
    }
    // Forget screens of panes that are gone.
    const livePanes = new Set(panes.map((p) => p.paneId));
    for (const paneId of this.screens.keys()) if (!livePanes.has(paneId)) this.screens.delete(paneId);

    const toCapture: { row: (typeof panes)[number]; ui: AgentUi }[] = [];
    for (const id of new Set(sessionIds)) {
      const row = bySession.get(id);
      if (!row || row.dead || !validSessionId(id)) continue;
      const ui = uiOf(id);
      const cached = this.screens.get(row.paneId);
      // Reuse only if no output since the listing before that capture. Activity has 1 s
      // resolution, so output in the same second as the capture would not change it: a capture
      // is trusted only when the activity it saw is from an earlier second than the capture.
      const fresh = cached !== undefined && cached.kind === ui.kind && cached.activity === row.activity && cached.activity < cached.capturedSec;
      if (!fresh) toCapture.push({ row, ui });
    }
    const captures = await this.terminal.capturePanes(toCapture.map(({ row }) => row.paneId));
    const gone = new Set<string>();
    const capturedAt = Date.now();
    toCapture.forEach(({ row, ui }, i) => {
      const lines = captures[i];
      if (lines) {
        const reading = ui.parse(lines);
        this.screens.set(row.paneId, { activity: row.activity, capturedSec: nowSec, kind: ui.kind, reading });
        this.noteDialog(row.session, reading, capturedAt);
      } else {
        gone.add(row.paneId); // closed between the listing and the capture
        this.screens.delete(row.paneId);
      }
    });

    const out = new Map<string, SessionProbe>();
    for (const id of sessionIds) {
      const row = validSessionId(id) ? bySession.get(id) : undefined;
      if (!row || gone.has(row.paneId)) {
        out.set(id, { sessionId: id, exists: false, state: 'missing', approval: { needsApproval: false } });
        continue;
      }
      const reading = row.dead ? undefined : this.screens.get(row.paneId)?.reading;
      const probe: SessionProbe = {
        sessionId: id,
        exists: true,
        state: row.dead ? 'dead' : (reading?.state ?? 'unknown'),
        approval: reading ? approvalInfo(reading) : { needsApproval: false },
      };
      if (reading?.lastLine !== undefined) probe.lastLine = reading.lastLine;
      if (reading?.inputReady) probe.inputReady = true;
      if (reading?.resumeCommand !== undefined) probe.resumeCommand = reading.resumeCommand;
      if (reading?.blocked !== undefined) probe.blocked = reading.blocked;
      if (reading?.retrying !== undefined) probe.retrying = reading.retrying;
      out.set(id, probe);
    }
    return out;
  }

  /** Remembers when a session's dialog was first seen (for the agent's dialog settle time). */
  noteDialog(sessionId: string, a: ScreenReading, at: number): void {
    if (a.state !== 'waiting_approval' || a.promptId === undefined) {
      this.dialogSeen.delete(sessionId);
      return;
    }
    const seen = this.dialogSeen.get(sessionId);
    if (!seen || seen.promptId !== a.promptId) this.dialogSeen.set(sessionId, { promptId: a.promptId, at });
  }

  /** How long the dialog with `promptId` has stood on the session's screen (0: not seen yet). */
  dialogAge(sessionId: string, promptId: string | undefined, now = Date.now()): number {
    const seen = this.dialogSeen.get(sessionId);
    return seen && seen.promptId === promptId ? now - seen.at : 0;
  }
}

export function approvalInfo(a: ScreenReading): ApprovalInfo {
  if (a.state !== 'waiting_approval') return { needsApproval: false };
  const info: ApprovalInfo = { needsApproval: true };
  if (a.toolName !== undefined) info.toolName = a.toolName;
  if (a.promptText !== undefined) info.promptText = a.promptText;
  if (a.promptId !== undefined) info.promptId = a.promptId;
  if (a.options !== undefined) info.options = a.options;
  if (a.subagent !== undefined) info.subagent = a.subagent;
  return info;
}
