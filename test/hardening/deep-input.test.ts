/**
 * Input that nests 100,000 levels deep (JSON.parse reads it; anything recursive over it overflows
 * the stack): every face answers one clear sentence instead of a stack trace or a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_OPERATOR } from '../helpers/core.js';
import { payload, runHook } from '../helpers/hook.js';
import { realHub, type RealHub } from '../helpers/hub.js';
import { tempDir } from '../helpers/tmp.js';

const DEPTH = 100_000;
const deepText = (inner = '1') => `${'['.repeat(DEPTH)}${inner}${']'.repeat(DEPTH)}`;

describe('a hook event 100,000 levels deep', () => {
  let hub: RealHub;
  beforeAll(async () => {
    hub = await realHub();
  });
  afterAll(async () => {
    await hub?.close();
  });

  it('POST /hooks/event answers 400 with one sentence naming the nesting, and records nothing', async () => {
    const before = hub.snapshot();
    const body = `{"agent":"deep","payload":{"hook_event_name":"PreToolUse","session_id":"cc-deep","tool_name":"Bash","tool_input":${deepText()}}}`;
    const res = await hub.app.request('/hooks/event', { method: 'POST', headers: { 'Content-Type': 'application/json', Host: '127.0.0.1', ...AS_OPERATOR }, body });
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expect(text).toMatch(/nests arrays or objects deeper than 64 levels/);
    expect(text).not.toMatch(/\n\s+at /);
    expect(hub.snapshot()).toEqual(before);
  });

  it('POST /hooks/event takes an ordinary nested event in (the depth check refuses only the deep one)', async () => {
    const body = { agent: 'shallow', payload: payload('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'ls', nested: [[[{ a: [1] }]]] } }) };
    const res = await hub.app.request('/hooks/event', { method: 'POST', headers: { 'Content-Type': 'application/json', Host: '127.0.0.1', ...AS_OPERATOR }, body: JSON.stringify(body) });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    // Not recorded only because "shallow" never started (no SessionStart): the answer says that, not the depth.
    expect(JSON.parse(text)).toEqual({ recorded: false, problem: expect.stringMatching(/agent "shallow" is not registered/) });
  });

  it('`agent-boss hook` exits 0 (Claude Code goes on) with a one-line warning, no stack trace', async () => {
    const data = tempDir();
    try {
      const input = `{"hook_event_name":"PreToolUse","session_id":"cc-deep","tool_name":"Bash","tool_input":${deepText()}}`;
      const run = await runHook(input, ['--data-dir', data.dir, '--space', 'deep', '--agent', 'a']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/deeper than 64 levels/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      data.cleanup();
    }
  });
});
