/**
 * The `tmux` session backend: the tmux terminal (tmux-terminal.ts) paired with the UI of the agent
 * kind running in its panes (src/agents/, default Claude Code) by agent-session-backend.ts. This
 * file only wires them; the terminal knows no agent, the agent UI does no I/O.
 */
import { agentUi, DEFAULT_AGENT_KIND } from '../../agents/index.js';
import { AgentSessionBackend } from '../agent-session-backend.js';
import type { TmuxClient } from './tmux-client.js';
import { TmuxTerminal, type TmuxTerminalOptions } from './tmux-terminal.js';

export { SUBMIT_SETTLE_MS } from '../send-input.js';

export interface TmuxBackendOptions extends TmuxTerminalOptions {
  /** Pause between the text and the Enter that submits it (see SUBMIT_SETTLE_MS). */
  submitSettleMs?: number;
  /** The agent program in the panes (default claude-code; see src/agents/index.ts). */
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
    super({
      terminal,
      ui: agentUi(options.agentKind ?? DEFAULT_AGENT_KIND, options.mcpToolTitles ? { mcpToolTitles: options.mcpToolTitles } : {}),
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
