/**
 * The `tmux` session backend: the tmux terminal (tmux-terminal.ts) paired with the agent UIs
 * (src/agents/, default Claude Code) by agent-session-backend.ts; each agent's panes are read with
 * the UI of its own kind. This file only wires them; the terminal knows no agent, the agent UI
 * does no I/O.
 */
import { agentUiCatalog, DEFAULT_AGENT_KIND } from '../../agents/index.js';
import { AgentSessionBackend } from '../agent-session-backend.js';
import type { TmuxClient } from './tmux-client.js';
import { TmuxTerminal, type TmuxTerminalOptions } from './tmux-terminal.js';

export { SUBMIT_SETTLE_MS } from '../send-input.js';

export interface TmuxBackendOptions extends TmuxTerminalOptions {
  /** Pause between the text and the Enter that submits it (see SUBMIT_SETTLE_MS). */
  submitSettleMs?: number;
  /**
   * The agent program of agents that name none (default claude-code; see src/agents/index.ts).
   * An agent that names its `agent_kind` is driven with that kind's UI (forAgentKind).
   */
  agentKind?: string;
  /**
   * Titles of this server's own MCP tools (title → name): Claude Code shows an MCP tool's title in
   * its permission dialog, and liveness names the tool `mcp__<server>__<name>` from it.
   */
  mcpToolTitles?: ReadonlyMap<string, string>;
}

export class TmuxSessionBackend extends AgentSessionBackend {
  override readonly terminal: TmuxTerminal;

  constructor(options: TmuxBackendOptions = {}) {
    const terminal = new TmuxTerminal(options);
    const agentUis = agentUiCatalog(options.mcpToolTitles ? { mcpToolTitles: options.mcpToolTitles } : {});
    const kind = options.agentKind ?? DEFAULT_AGENT_KIND;
    const ui = agentUis.ui(kind);
    if (!ui) throw new Error(`Unknown agent kind "${kind}". Known kinds: ${agentUis.kinds().join(', ')}.`);
    super({
      terminal,
      ui,
      agentUis,
      ...(options.submitSettleMs !== undefined && { submitSettleMs: options.submitSettleMs }),
      ...(options.log !== undefined && { log: options.log }),
    });
    this.terminal = terminal;
  }

  /** The tmux I/O layer (exposed for tests and diagnostics). */
  get client(): TmuxClient {
    return this.terminal.client;
  }
}
