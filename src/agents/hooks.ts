/**
 * The hook dialects of the agent programs, by kind: what each program's hook events mean
 * (src/agents/<kind>/hooks.ts). The composition root hands this catalog to the core and to
 * `agent-boss hook`; it loads no screen parser, so the hook command starts fast. A program with
 * hooks adds one line here.
 */
import type { AgentHooks, AgentHooksCatalog } from '../backends/agent-hooks.js';
import { claudeCodeHooks } from './claude-code/hooks.js';
import { codexHooks } from './codex/hooks.js';
import { geminiHooks } from './gemini/hooks.js';

/** The program whose hooks `agent-boss hook` reads without --kind (the one it was first written for). */
export const DEFAULT_HOOK_KIND = claudeCodeHooks.kind;

const DIALECTS = new Map<string, AgentHooks>([claudeCodeHooks, codexHooks, geminiHooks].map((h) => [h.kind, h]));

export const agentHooksCatalog: AgentHooksCatalog = {
  kinds: () => [...DIALECTS.keys()],
  hooks: (kind) => DIALECTS.get(kind),
};
