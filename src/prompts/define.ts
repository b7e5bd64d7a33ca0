import type { Caller, Coordinator } from '../core/coordinator.js';

/** What a prompt or completion gets: the core and who is asking. */
export interface PromptContext {
  coordinator: Coordinator;
  caller: Caller;
}

export interface PromptArgument {
  description: string;
  /** Values that complete `prefix`; `args` holds the other arguments already given (e.g. the space). */
  complete?(prefix: string, ctx: PromptContext, args: Record<string, string>): Promise<string[]>;
}

/** A prompt is data: name, title, arguments with their completions, and the text it renders. */
export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  /** Every argument is optional: a server bound with --agent / --space fills them in. */
  args: Record<string, PromptArgument>;
  render(args: Record<string, string | undefined>, ctx: PromptContext): Promise<string>;
}

export const definePrompt = (def: PromptDefinition): PromptDefinition => def;
