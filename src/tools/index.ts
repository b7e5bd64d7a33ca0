import { approve } from './approve.js';
import { captureOutputTool } from './capture-output.js';
import type { ToolDefinition } from './define.js';
import { interrupt } from './interrupt.js';
import { listLiveness } from './list-liveness.js';
import { registerSession } from './register-session.js';
import { reportStatus } from './report-status.js';
import { sendInput } from './send-input.js';
import { spawnAgentTool } from './spawn-agent.js';
import { stopAgentTool } from './stop-agent.js';
import { waitForTool } from './wait-for.js';

/** Every tool the server offers, in the order clients list them. */
export const tools: readonly ToolDefinition[] = [
  registerSession,
  reportStatus,
  sendInput,
  approve,
  interrupt,
  listLiveness,
  spawnAgentTool,
  stopAgentTool,
  captureOutputTool,
  waitForTool,
] as unknown as readonly ToolDefinition[];
