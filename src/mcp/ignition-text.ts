import type { Coordinator, Target } from '../core/coordinator.js';
import { ignite } from '../prompts/ignite.js';

/** The ignite prompt for `target`, as prompts/get renders it: what spawn_agent and resume_agent type in. */
export const ignitionText = (coordinator: Coordinator, target: Target): Promise<string> =>
  ignite.render({ agent: target.agent, space: target.space }, { coordinator, caller: {} });
