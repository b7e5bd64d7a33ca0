import { findAgent, ignitionIntro, lastStateSection, listAgents, peersOf, registerSteps } from '../core/directory.js';
import { agentArgs, cell, peerTable, who } from './common.js';
import { definePrompt } from './define.js';

export const ignite = definePrompt({
  name: 'ignite',
  title: 'Ignite: start as a coordinated agent',
  description:
    'Start work as an agent of a space: who you are, who your peers are and what they are doing, then register your session and report your status.',
  args: agentArgs,
  async render(args, ctx) {
    const { agent, space } = who(args, ctx);
    const self = await findAgent(ctx.coordinator, space, agent);
    const name = self?.name ?? agent;
    const peers = peersOf(await listAgents(ctx.coordinator, space), name);
    const lines = [
      ignitionIntro({ name, space: self?.space ?? space, role: self?.role, parent: self?.parent }, '(its tools are available to you over MCP)', cell),
      '',
      '## Your peers',
      '',
      peerTable(peers),
      '',
      ...lastStateSection(self, cell),
      '## Do this now',
      '',
      ...registerSteps({ name, space: self?.space ?? space }, cell),
      '',
      'The rules of working together are in the resource `boss://protocol`; in short: report only for yourself, put what you need from others in `questions` and `blockers`, and treat messages that appear in your input as coming from your manager or the operator.',
    ];
    return lines.join('\n');
  },
});
