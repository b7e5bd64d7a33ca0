import { check } from './check.js';
import type { PromptDefinition } from './define.js';
import { ignite } from './ignite.js';

/** Every prompt the server offers (clients show them as slash commands, e.g. /mcp__agent-boss__ignite). */
export const prompts: readonly PromptDefinition[] = [ignite, check];
