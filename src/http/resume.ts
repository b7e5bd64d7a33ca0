import type { Caller, Coordinator } from '../core/coordinator.js';
import { resumeAgent, type ResumeInput, type ResumeResult } from '../core/resume.js';
import { ignitionText } from '../mcp/ignition-text.js';

/** What the hub starts agents with, as its MCP sessions do (serve's --allow-skip-permissions, BOSS_* of this server). */
export interface LifecycleSettings {
  allowSkipPermissions?: boolean;
  agentEnv?: Record<string, string>;
}

export type HttpResume = (caller: Caller, input: ResumeInput) => Promise<ResumeResult>;

/** resume_agent for the HTTP routes (the agent route and the dashboard's button), with the hub's settings. */
export const httpResume =
  (coordinator: Coordinator, settings: LifecycleSettings = {}): HttpResume =>
  (caller, input) =>
    resumeAgent(coordinator, caller, input, {
      allowSkipPermissions: settings.allowSkipPermissions ?? false,
      ...(settings.agentEnv !== undefined && { agentEnv: settings.agentEnv }),
      ignition: (t) => ignitionText(coordinator, t),
    });

/** The JSON answer of both routes. */
export const resumeAnswer = (res: ResumeResult) => ({
  ok: true,
  space: res.record.space,
  agent: res.record.name,
  session_id: res.session_id,
  program_session_id: res.program_session_id,
  command: res.command,
  ready: res.ready,
  ignited: res.ignited,
  ...(res.tools_reached !== undefined && { tools_reached: res.tools_reached }),
  ...(res.problem !== undefined && { problem: res.problem }),
  state: res.state,
  ...(res.screen !== undefined && { screen: res.screen }),
});
