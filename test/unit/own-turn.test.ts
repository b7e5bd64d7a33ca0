import { describe, expect, it } from 'vitest';
import { ownTurn, type LivenessRow } from '../../src/core/liveness.js';

const row = (agent: string, state: LivenessRow['state'], extra: Partial<LivenessRow> = {}): LivenessRow => ({
  space: 'team',
  agent,
  session_id: `s-${agent}`,
  backend: 'tmux',
  agent_kind: 'claude-code',
  registered: true,
  exists: true,
  state,
  needs_approval: false,
  status: 'active',
  summary: '',
  updated_at: '2026-01-01T00:00:00.000Z',
  stale: false,
  source: 'screen',
  since: '2026-01-01T00:00:00.000Z',
  screen_state: state,
  resumable: false,
  ...extra,
});

const NOW = Date.parse('2026-06-01T12:00:00.000Z');

describe('ownTurn: the agent calling a tool is in a turn', () => {
  it('turns the calling agent\'s idle row working, from the call, and keeps what the screen read', () => {
    const [me, other] = ownTurn([row('dev', 'idle'), row('qa', 'idle')], { agent: 'dev' }, 'team', NOW);
    expect(me).toMatchObject({ state: 'working', source: 'call', screen_state: 'idle', since: '2026-06-01T12:00:00.000Z' });
    expect(other).toMatchObject({ state: 'idle', source: 'screen' });
  });

  it('leaves rows alone for the operator, an unverified caller, another space, a state that is not idle, or a session that is gone', () => {
    const rows = [row('dev', 'idle')];
    expect(ownTurn(rows, {}, 'team', NOW)[0]!.state).toBe('idle');
    expect(ownTurn(rows, { agent: 'dev', unverified: true }, 'team', NOW)[0]!.state).toBe('idle');
    expect(ownTurn(rows, { agent: 'dev' }, 'other', NOW)[0]!.state).toBe('idle');
    expect(ownTurn([row('dev', 'waiting_approval')], { agent: 'dev' }, 'team', NOW)[0]!.state).toBe('waiting_approval');
    expect(ownTurn([row('dev', 'idle', { exists: false })], { agent: 'dev' }, 'team', NOW)[0]!.state).toBe('idle');
  });
});
