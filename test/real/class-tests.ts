/**
 * The real-client tests of the screens once read wrong, end to end through list_liveness, approve
 * and interrupt: Claude Code exited (gone, with its resume command), a subagent's prompt (Bash, the
 * subagent named, approving runs it), a dialog taller than the window (approving writes the file),
 * API trouble (working while it retries, interrupted; blocked once it gives up). Registered per
 * Claude Code version by classes.test.ts (the version of the run) and versions.test.ts (the others).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textTurn, toolTurn } from '../fixtures/fake-model.js';
import { AGENT, benchPerBlock, startBench, type Bench } from './harness.js';
import { clearInput, submitPrompt } from './scenarios.js';

const TALL = Array.from({ length: 70 }, (_, i) => `line ${i + 1} of a long file`).join('\n');

export function classTests(version: string): void {
  describe(`Claude Code ${version}: an exited Claude Code is gone, with its resume command`, { timeout: 120_000 }, () => {
    it('after /exit the row says gone, not idle, with the resume command the screen shows', async () => {
      const b = await startBench({ version, afterExit: 'shell' });
      try {
        b.model.script(textTurn('Noted.'));
        await submitPrompt(b.cc, 'remember this');
        await b.waitForRow((r) => r.state === 'idle', 'idle after the answer');
        await submitPrompt(b.cc, '/exit');
        await b.waitForRow((r) => r.state === 'gone', 'gone after /exit', 30_000);
        // Claude Code prints `Resume this session with: claude --resume <id>` on /exit, but not every
        // time (twice in full runs the screen held only the shell prompt): the row must carry exactly
        // the command the screen shows, and none when it shows none. The hint gets a bounded wait.
        const row = await b
          .waitForRow((r) => r.state === 'gone' && r.resume_command !== undefined, 'gone with its resume command', 5_000)
          .catch(async () => (await b.waitForRow((r) => r.state === 'gone', 'gone after /exit', 1_000)));
        expect(row.exists).toBe(true); // the terminal lives on
        expect(row.needs_approval).toBe(false);
        const lines = await b.cc.capture();
        // The session id as the screen shows it (lines joined: a long command wraps).
        const id = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/u.exec(lines.join(''))?.[0];
        const why = `the resume command read from the screen:\n${lines.join('\n')}`;
        if (id) expect(row.resume_command, why).toMatch(new RegExp(`^claude (?:\\S+ )*--resume ${id}$`, 'u'));
        else expect(row.resume_command, why).toBeUndefined();
        expect(row.last_line).toMatch(/\$$/u);
        // Nothing to interrupt in a shell: no key is sent to it.
        const r = await b.call('interrupt', { agent: AGENT });
        expect(r.structuredContent).toMatchObject({ escapes: 0 });
      } finally {
        await b.close();
      }
    });
  });

  describe(`Claude Code ${version}: subagent prompts, tall dialogs, API trouble`, { timeout: 150_000 }, () => {
    let b: Bench;
    benchPerBlock((bench) => (b = bench), { resetToIdle: true, version });

    async function stillDialog(what: string) {
      // A dialog is drawn in steps: take its id once it holds still.
      let row = await b.waitForRow((r) => r.state === 'waiting_approval', what, 60_000);
      for (let i = 0; i < 10; i++) {
        await new Promise((r) => setTimeout(r, 300));
        const again = await b.waitForRow((r) => r.state === 'waiting_approval', `${what} still shown`);
        if (again.prompt_id === row.prompt_id) return again;
        row = again;
      }
      return row;
    }

    it("a subagent's Bash prompt: tool Bash, the subagent named; approve yes runs the command", async () => {
      b.model.clearScript();
      b.model.script(toolTurn('Agent', { description: 'Make a file', prompt: 'SUBAGENT-TASK: create the file', subagent_type: 'general-purpose' }), {
        ...toolTurn('Bash', { command: 'touch from-subagent.txt', description: 'Create a file' }),
        when: (r) => (r.body.tools?.length ?? 0) > 0 && JSON.stringify(r.body.messages ?? []).includes('SUBAGENT-TASK') && r.toolResults.length === 0,
      });
      await submitPrompt(b.cc, 'delegate a file');
      const row = await stillDialog("the subagent's dialog");
      expect(row).toMatchObject({ tool_name: 'Bash', subagent: 'general-purpose', needs_approval: true });
      expect(row.prompt_text).toBe('touch from-subagent.txt');
      const seq = b.model.lastSeq();
      const r = await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
      expect(r.structuredContent).toMatchObject({ decision: 'yes', tool_name: 'Bash', chosen: { number: 1, label: 'Yes' } });
      await b.cc.waitForScreen(() => existsSync(join(b.cc.workDir, 'from-subagent.txt')), 'the file the subagent was allowed to create', 30_000);
      // The finished background subagent makes Claude Code start a turn by itself: wait for it to end.
      await b.model.waitForRequest((q) => JSON.stringify(q.body.messages ?? []).includes('task-notification'), { afterSeq: seq, timeoutMs: 60_000, what: 'the turn the finished subagent starts' });
      await b.cc.waitForPrompt(60_000);
      await b.waitForRow((x) => x.state === 'idle' && !x.needs_approval, 'idle once the subagent and the turn it started are done', 60_000);
    });

    it('a Write taller than the window: waiting for approval of Write (not idle); approve yes writes it', async () => {
      b.model.clearScript();
      b.model.script(toolTurn('Write', { file_path: join(b.cc.workDir, 'long.txt'), content: `${TALL}\n` }), textTurn('Written.'));
      await submitPrompt(b.cc, 'write a long file');
      const row = await stillDialog('the tall Write dialog');
      expect(row.tool_name).toBe('Write');
      expect(row.prompt_text).toContain('long.txt');
      const r = await b.call('approve', { agent: AGENT, decision: 'yes', prompt_id: row.prompt_id });
      expect(r.structuredContent).toMatchObject({ decision: 'yes', tool_name: 'Write' });
      await b.waitForRow((x) => x.state === 'idle', 'idle after the write', 30_000);
      expect(readFileSync(join(b.cc.workDir, 'long.txt'), 'utf8').split('\n')).toHaveLength(71);
    });

    it('a tall Write declined with no: no file', async () => {
      b.model.clearScript();
      b.model.script(toolTurn('Write', { file_path: join(b.cc.workDir, 'refused.txt'), content: `${TALL}\n` }));
      await submitPrompt(b.cc, 'write another long file');
      const row = await stillDialog('the second tall Write dialog');
      await b.call('approve', { agent: AGENT, decision: 'no', prompt_id: row.prompt_id });
      await b.waitForRow((x) => x.state === 'idle', 'idle after the refusal', 30_000);
      expect(existsSync(join(b.cc.workDir, 'refused.txt'))).toBe(false);
    });

    it('while the API is retried: working with the retry status; interrupt stops it', async () => {
      b.model.clearScript();
      b.model.script(...Array.from({ length: 12 }, () => ({ error: { status: 500, type: 'api_error', message: 'Internal server error', retry: true } })));
      await submitPrompt(b.cc, 'try the flaky api');
      const row = await b.waitForRow((r) => r.retrying !== undefined, 'the retry status', 60_000);
      expect(row.state).toBe('working');
      expect(row.retrying).toMatch(/retrying in \d+s/iu);
      const r = await b.call('interrupt', { agent: AGENT });
      expect(r.structuredContent).toMatchObject({ stopped: true });
      const after = await b.waitForRow((x) => x.state === 'idle', 'idle after the interrupt', 30_000);
      expect(after.retrying).toBeUndefined();
      await clearInput(b.cc);
    });

    it('after the API gave up: idle and blocked (overloaded); a new turn is not blocked', async () => {
      b.model.clearScript();
      b.model.script(...Array.from({ length: 12 }, () => ({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } })));
      await submitPrompt(b.cc, 'try the overloaded api');
      const row = await b.waitForRow((r) => r.blocked !== undefined, 'blocked', 120_000);
      expect(row).toMatchObject({ state: 'idle', blocked: 'overloaded' });
      b.model.clearScript();
      b.model.script(textTurn('Back again.'));
      await clearInput(b.cc);
      await submitPrompt(b.cc, 'try once more');
      const again = await b.waitForRow((r) => r.state === 'idle' && r.blocked === undefined, 'idle, not blocked, after a good turn', 30_000);
      expect(again.blocked).toBeUndefined();
    });
  });
}
