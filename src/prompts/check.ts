import { sameName } from '../core/identity.js';
import { findAgent, listAgents } from '../core/directory.js';
import { agentArgs, cell, peerTable, who } from './common.js';
import { definePrompt } from './define.js';

export const check = definePrompt({
  name: 'check',
  title: 'Check: sync your status',
  description: "A short status sync: your last report and your peers' state, then report where you are now.",
  args: agentArgs,
  async render(args, ctx) {
    const { agent, space } = who(args, ctx);
    const self = await findAgent(ctx.coordinator, space, agent);
    const name = self?.name ?? agent;
    const peers = (await listAgents(ctx.coordinator, space)).filter((a) => !sameName(a.name, name));
    const waiting = peers.filter((p) => p.status === 'blocked' || (p.questions?.length ?? 0) > 0 || (p.blockers?.length ?? 0) > 0);
    return [
      `Status check for **${cell(name)}** in space **${cell(self?.space ?? space)}**.`,
      '',
      self ? `Your last report: **${cell(self.status)}**, ${cell(self.summary)} (${self.reported_at ?? 'never reported'}).` : 'You are not registered yet: call `register_session` first.',
      '',
      waiting.length > 0 ? `Peers waiting on someone:\n\n${peerTable(waiting)}` : 'No peer is blocked or has open questions.',
      '',
      'Now call `report_status` with your current `status` and a one-line `summary` (add `questions` / `blockers` if you need something). If anything above is addressed to you, answer it first. Call `list_liveness` for every agent\'s live state.',
    ].join('\n');
  },
});
