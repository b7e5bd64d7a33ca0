import { sameName, type Target } from './identity.js';
import { closest } from './suggest.js';

/**
 * The one sentence for an agent not registered in the space asked, used by every face that names an
 * agent. When the name is registered in other spaces it names them (the usual mistake is a missing or
 * wrong space); when it is close to a name of that space it asks "did you mean …" (a typo); else it
 * says how to register. `agents` are the agents of every space. Zod-free.
 */
export function notRegisteredSentence(target: Target, agents: readonly { space: string; name: string }[]): string {
  const head = `Agent "${target.agent}" is not registered in space "${target.space}"`;
  const elsewhere = [...new Set(agents.filter((a) => sameName(a.name, target.agent)).map((a) => a.space))];
  if (elsewhere.length === 1) return `${head}; it is registered in space "${elsewhere[0]}": use space "${elsewhere[0]}".`;
  if (elsewhere.length > 1) return `${head}; it is registered in spaces ${elsewhere.map((s) => `"${s}"`).join(', ')}: use one of them as space.`;
  const near = closest(
    target.agent,
    agents.filter((a) => sameName(a.space, target.space)).map((a) => a.name),
  );
  if (near !== undefined) return `${head}: did you mean "${near}"? Use that name, or call list_liveness to see the agents of space "${target.space}".`;
  return `${head}. Call register_session first, or list_liveness to see registered agents.`;
}
