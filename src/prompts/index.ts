import { check } from './check.js';
import type { PromptDefinition } from './define.js';
import { ignite } from './ignite.js';

/** Every prompt the server offers (Claude Code 2.1 shows them as slash commands /SERVER:NAME, e.g. /agent-boss:ignite). */
export const prompts: readonly PromptDefinition[] = [ignite, check];
