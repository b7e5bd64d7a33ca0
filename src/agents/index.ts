/**
 * The agent programs this server can drive, by kind. Each agent names its kind (`agent_kind` on
 * register_session / spawn_agent; default claude-code), and its session is read and answered with
 * that kind's AgentUi. A new program (Codex CLI, aider …) is a sibling folder of claude-code/
 * exporting a factory of its AgentUi, plus one `registerAgentUi` line below.
 */
import type { AgentUi, AgentUiCatalog } from '../backends/agent-ui.js';
import { CLAUDE_CODE, claudeCodeUi } from './claude-code/ui.js';
import { CODEX, codexUi } from './codex/ui.js';
import { GEMINI, geminiUi } from './gemini/ui.js';
import { SHELL, shellUi } from './shell/ui.js';

/** The kind an agent is when it names none. */
export const DEFAULT_AGENT_KIND = CLAUDE_CODE;

export interface AgentUiOptions {
  /** Titles of this server's own MCP tools (title → name), for agents that show titles in dialogs. */
  mcpToolTitles?: ReadonlyMap<string, string>;
}

export type AgentUiFactory = (options: AgentUiOptions) => AgentUi;

const AGENT_UIS = new Map<string, AgentUiFactory>();

/**
 * Adds an agent program: `make` builds its AgentUi (whose `kind` must be `kind`). The built-in
 * programs are added below; a test may add a test-only kind the same way and remove it again with
 * the function returned. A backend built earlier sees the kind at once.
 */
export function registerAgentUi(kind: string, make: AgentUiFactory): () => void {
  if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(kind)) throw new Error(`agent kind "${kind}": use 1 to 40 of a-z, 0-9, "-" and "_"`);
  if (AGENT_UIS.has(kind)) throw new Error(`agent kind "${kind}" is already registered`);
  AGENT_UIS.set(kind, make);
  return () => {
    if (AGENT_UIS.get(kind) === make) AGENT_UIS.delete(kind);
  };
}

registerAgentUi(CLAUDE_CODE, (options) => claudeCodeUi(options.mcpToolTitles ? { mcpToolTitles: options.mcpToolTitles } : {}));
registerAgentUi(CODEX, () => codexUi());
registerAgentUi(GEMINI, () => geminiUi());
registerAgentUi(SHELL, () => shellUi());

export const agentKinds = (): string[] => [...AGENT_UIS.keys()];

/** The UI of an agent kind (default claude-code); an unknown kind is an error listing the known ones. */
export function agentUi(kind: string = DEFAULT_AGENT_KIND, options: AgentUiOptions = {}): AgentUi {
  const make = AGENT_UIS.get(kind);
  if (!make) throw new Error(`Unknown agent kind "${kind}". Known kinds: ${agentKinds().join(', ')}.`);
  const ui = make(options);
  if (ui.kind !== kind) throw new Error(`the agent UI registered as "${kind}" says its kind is "${ui.kind}"`);
  return ui;
}

/** Every registered kind, for a backend that drives agents of several kinds (one UI per kind, built once). */
export function agentUiCatalog(options: AgentUiOptions = {}): AgentUiCatalog {
  const built = new Map<AgentUiFactory, AgentUi>();
  return {
    kinds: agentKinds,
    ui(kind) {
      const make = AGENT_UIS.get(kind);
      if (!make) return undefined;
      let ui = built.get(make);
      if (!ui) built.set(make, (ui = agentUi(kind, options)));
      return ui;
    },
  };
}
