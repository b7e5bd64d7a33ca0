/**
 * Gemini CLI as a headless agent (`gemini --acp`, pinned, offline with its own `--fake-responses`
 * replay, strict and in order): spawned through the hub with backend "acp", a shell command's
 * permission request approved once, for the session (always) and refused, and an interrupt while
 * an approved `sleep 20` runs.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routerLine, shellLine, textLine, writeFakeResponses } from '../fixtures/fake-gemini.js';
import { startAcpHub, type AcpHub } from '../helpers/acp.js';
import { geminiPath, writeGeminiSettings } from '../helpers/gemini.js';
import { shellQuote } from '../helpers/pane-screen.js';
import { tempDir } from '../helpers/tmp.js';

const AGENT = 'gem';

describe('gemini --acp as a headless agent (backend acp)', { timeout: 90_000 }, () => {
  let hub: AcpHub;
  const tmp = tempDir('boss-acp-gemini-');
  const responses = join(tmp.dir, 'responses.jsonl');
  beforeAll(async () => {
    writeFakeResponses(responses, [
      routerLine(), textLine('Gemini ready.'),
      routerLine(), shellLine('touch g-once.txt'), textLine('Made once.'),
      routerLine(), shellLine('touch g-always.txt'), textLine('Made always.'),
      // Refused over ACP, Gemini tells the model (unlike its TUI, where the turn just ends).
      routerLine(), shellLine('mkdir g-declined'), textLine('Not made.'),
      routerLine(), shellLine('sleep 20'),
    ]);
    const bin = dirname(geminiPath());
    hub = await startAcpHub({
      env: (home) => {
        writeGeminiSettings(home);
        return { PATH: `${bin}:${process.env.PATH ?? ''}`, HOME: home, LANG: 'C.UTF-8', GEMINI_API_KEY: 'fake-gemini-key', GEMINI_CLI_NO_RELAUNCH: 'true', COLORTERM: 'truecolor' };
      },
    });
  }, 60_000);
  afterAll(async () => {
    await hub?.close();
    tmp.cleanup();
  }, 60_000);

  it('spawns, takes the ignite prompt and is idle', async () => {
    const res = await hub.ok('spawn_agent', {
      agent: AGENT,
      work_dir: hub.work,
      backend: 'acp',
      agent_kind: 'gemini',
      command: `gemini --acp --fake-responses ${shellQuote(responses)}`,
    });
    expect(res).toMatchObject({ backend: 'acp', agent_kind: 'gemini', ready: true, ignited: true });
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Gemini ready.'), 'idle after the ignite turn');
    expect(row).toMatchObject({ source: 'acp', agent_kind: 'gemini' });
  });

  const ask = async (command: string) => {
    await hub.ok('send_input', { agent: AGENT, text: `please run ${command}` });
    const row = await hub.waitForRow(AGENT, (r) => r.state === 'waiting_approval', `the request for ${command}`);
    expect(row).toMatchObject({ needs_approval: true, source: 'acp' });
    // Gemini names the tool only in the call's id, and sends no raw input: the title is the command.
    expect(row).toMatchObject({ tool_name: 'run_shell_command', prompt_text: command });
    return row;
  };

  it('a shell command approved once, then one approved for the session (always), then one refused', async () => {
    await ask('touch g-once.txt');
    expect(await hub.ok('approve', { agent: AGENT, decision: 'yes' })).toMatchObject({ chosen: { number: 2, label: 'Allow' } });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Made once.'), 'idle after once');
    expect(existsSync(join(hub.work, 'g-once.txt'))).toBe(true);

    await ask('touch g-always.txt');
    expect(await hub.ok('approve', { agent: AGENT, decision: 'always' })).toMatchObject({ decision: 'always', chosen: { number: 1, label: 'Allow for this session' } });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Made always.'), 'idle after always');
    expect(existsSync(join(hub.work, 'g-always.txt'))).toBe(true);

    await ask('mkdir g-declined');
    expect(await hub.ok('approve', { agent: AGENT, decision: 'no' })).toMatchObject({ decision: 'no', cleared: true, chosen: { number: 3, label: 'Reject' } });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle' && (r.last_line ?? '').includes('Not made.'), 'idle after the refusal');
    expect(existsSync(join(hub.work, 'g-declined'))).toBe(false);
  });

  it('interrupt while an approved command runs cancels the turn', async () => {
    await ask('sleep 20');
    await hub.ok('approve', { agent: AGENT, decision: 'yes' });
    await hub.waitForRow(AGENT, (r) => r.state === 'working', 'working on sleep 20');
    const started = Date.now();
    expect(await hub.ok('interrupt', { agent: AGENT })).toMatchObject({ stopped: true });
    await hub.waitForRow(AGENT, (r) => r.state === 'idle', 'idle after the interrupt', 5_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    const lines = (await hub.ok('capture_output', { agent: AGENT, lines: 10 })).lines as string[];
    expect(lines.join('\n')).toContain('turn ended: cancelled');
  });
});
