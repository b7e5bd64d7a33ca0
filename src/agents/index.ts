/**
 * The agent programs this server can drive, by kind. A new program (Codex CLI, aider …) is a
 * sibling folder of claude-code/ exporting a factory of its AgentUi, plus one line here.
 */
import type { AgentUi } from '../backends/agent-ui.js';
import { CLAUDE_CODE, claudeCodeUi } from './claude-code/ui.js';

/** The kind an agent is when it names none. */
export const DEFAULT_AGENT_KIND = CLAUDE_CODE;

export interface AgentUiOptions {
  /** Titles of this server's own MCP tools (title → name), for agents that show titles in dialogs. */
  mcpToolTitles?: ReadonlyMap<string, string>;
}

const AGENT_UIS: Record<string, (options: AgentUiOptions) => AgentUi> = {
  [CLAUDE_CODE]: (options) => claudeCodeUi(options.mcpToolTitles ? { mcpToolTitles: options.mcpToolTitles } : {}),
};

export const agentKinds = (): string[] => Object.keys(AGENT_UIS);

/** The UI of an agent kind (default claude-code); an unknown kind is an error listing the known ones. */
export function agentUi(kind: string = DEFAULT_AGENT_KIND, options: AgentUiOptions = {}): AgentUi {
  const make = AGENT_UIS[kind];
  if (!make) throw new Error(`Unknown agent kind "${kind}". Known kinds: ${agentKinds().join(', ')}.`);
  return make(options);
}
