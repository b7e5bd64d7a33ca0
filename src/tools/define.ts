import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Caller, Coordinator } from '../core/coordinator.js';

/** What a tool handler gets besides its input: the core and who is calling. */
export interface ToolContext {
  coordinator: Coordinator;
  caller: Caller;
  /** The operator allowed spawn_agent to skip an agent's permission prompts (`--allow-skip-permissions`). */
  allowSkipPermissions?: boolean;
  /** Environment for agents spawn_agent starts, so their stdio servers share this server's database and tmux server. */
  agentEnv?: Record<string, string>;
  /** Aborted when the client cancels the call. */
  signal?: AbortSignal;
  /** Reports progress to the client, when it asked for it (a progressToken). */
  progress?(progress: number, total?: number, message?: string): Promise<void>;
}

/** A tool's answer: data under its output schema plus one human-readable line. */
export interface ToolResult<O> {
  structured: O;
  text: string;
}

/** A tool is data: its name, schemas and annotations, and a handler that calls the core. */
export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  handle(input: z.infer<I>, ctx: ToolContext): Promise<ToolResult<z.infer<O>>> | ToolResult<z.infer<O>>;
}

export const defineTool = <I extends z.ZodObject, O extends z.ZodObject>(def: ToolDefinition<I, O>): ToolDefinition<I, O> => def;

/** Drops keys whose value is undefined (the output schemas use optional keys, not undefined values). */
export const compact = <T extends object>(obj: T): T =>
  Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
