import { approve } from './approve.js';
import { captureOutputTool } from './capture-output.js';
import type { ToolDefinition } from './define.js';
import { deleteAgentTool } from './delete-agent.js';
import { deleteApprovalRule } from './delete-approval-rule.js';
import { interrupt } from './interrupt.js';
import { listApprovalDecisions } from './list-approval-decisions.js';
import { listApprovalRules } from './list-approval-rules.js';
import { listLiveness } from './list-liveness.js';
import { registerSession } from './register-session.js';
import { reportStatus } from './report-status.js';
import { resumeAgentTool } from './resume-agent.js';
import { sendInput } from './send-input.js';
import { setApprovalRule } from './set-approval-rule.js';
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
  // Claude Code hooks: approval rules and the decision log.
  setApprovalRule,
  listApprovalRules,
  deleteApprovalRule,
  listApprovalDecisions,
  spawnAgentTool,
  stopAgentTool,
  resumeAgentTool,
  deleteAgentTool,
  captureOutputTool,
  waitForTool,
] as unknown as readonly ToolDefinition[];
