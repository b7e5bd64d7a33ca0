import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/core/errors.js';
import { DEFAULT_READY_TIMEOUT_S, programEnded, sessionNameFor, spawnAgent, stopAgent } from '../../src/core/lifecycle.js';
import { CLAUDE_CODE_LAUNCH } from '../../src/agents/claude-code/ui.js';
import { CODEX_LAUNCH } from '../../src/agents/codex/ui.js';
import { GEMINI_LAUNCH } from '../../src/agents/gemini/ui.js';
import { skipsPermissions } from '../../src/core/shell-words.js';
import { fakeCore } from '../helpers/core.js';
import { tempDir } from '../helpers/tmp.js';

const domainCode = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (err) {
    if (isDomainError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'no error';
};

describe('lifecycle rules (core over a fake backend)', () => {
  it('names sessions {space}-{agent} the way the legacy coordinator did', () => {
    expect(sessionNameFor('Web App', 'API.dev')).toBe('web-app-api-dev');
    expect(sessionNameFor('-x-', '--')).toBe('x');
  });

  it('a bound agent spawns only agents that report to it, and stops only those', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      backend.add('web-lead');
      await coordinator.registerSession({}, { space: 'web', agent: 'lead', session_id: 'web-lead' });
      const lead = { agent: 'lead', space: 'web' };
      expect(await domainCode(spawnAgent(coordinator, lead, { space: 'web', agent: 'helper', work_dir: dir, parent: 'someone' }))).toMatch(
        /^forbidden: agent "lead" may spawn only agents that report to it/,
      );
      const res = await spawnAgent(coordinator, lead, { space: 'web', agent: 'helper', work_dir: dir, ready_timeout_s: 1 }, { pollMs: 20 });
      expect(res.record).toMatchObject({ name: 'helper', parent: 'lead', session_id: 'web-helper' });
      // The fake screen never draws an input box: no ignite prompt is typed.
      expect(res).toMatchObject({ ready: false, ignited: false });
      expect(backend.sessions.get('web-helper')!.inputs).toEqual([]);

      backend.add('web-other');
      await coordinator.registerSession({}, { space: 'web', agent: 'other', session_id: 'web-other' });
      expect(await domainCode(stopAgent(coordinator, lead, { space: 'web', agent: 'other' }))).toMatch(/^forbidden: agent "lead" cannot stop "other"/);
      const stopped = await stopAgent(coordinator, lead, { space: 'web', agent: 'helper' });
      expect(stopped).toMatchObject({ ended: true, record: { status: 'done' } });
      expect(backend.sessions.has('web-helper')).toBe(false);
    } finally {
      cleanup();
    }
  });

  it('adds the skip-permissions flag only when the server allows it', async () => {
    const { coordinator } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      expect(await domainCode(spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, skip_permissions: true }))).toMatch(/^forbidden: skip_permissions/);
      expect(await domainCode(spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, command: 'claude --permission-mode bypassPermissions' }))).toMatch(/^forbidden/);
      const ok = await spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, skip_permissions: true, ready_timeout_s: 1 }, { allowSkipPermissions: true, pollMs: 20 });
      expect(ok.command).toBe('claude --dangerously-skip-permissions');
    } finally {
      cleanup();
    }
  });

  it('decides on the words the program gets, not on the shell text: quoting cannot hide a skipping flag', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      const skipped = [
        "claude --dangerously-skip-permi''ssions",
        'claude --dangerously-skip-permission\\s',
        'claude --permission-mode bypass""Permissions',
        'claude --permission-mode=bypassPermissions',
        "claude $'--dangerously-skip-permission\\x73'",
        'claude $(echo --dangerously-skip-permissions)',
        'claude --settings \'{"permissions":{"defaultMode":"bypassPermissions"}}\'',
        "env -S 'claude --dangerously-skip-permissions'",
        'sh -c \'claude --dangerously-skip-permi""ssions\'',
        'cd x && claude --allow-dangerously-skip-permissions',
      ];
      for (const command of skipped) {
        expect(await domainCode(spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, command })), command).toMatch(/^forbidden: skip_permissions: this server does not start agents/);
      }
      const unknowable = [
        'claude $FLAGS',
        'claude "$FLAGS"',
        'claude $(printf %s --dangerously-skip-perm issions)',
        'claude `echo x`',
        'claude --dangerously-skip-permission?',
        'claude --dangerously-skip-{permissions,}',
        "sh -c 'F=--dangerously-skip-; claude ${F}permissions'",
        "eval 'claude $X'",
        "claude 'unclosed",
        'claude <<EOF\nx\nEOF',
      ];
      for (const command of unknowable) {
        expect(await domainCode(spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, command })), command).toMatch(/^forbidden: command: its words cannot be known before it runs/);
      }
      expect(backend.sessions.size).toBe(0); // nothing was started
      // Words known before it runs: started (an assignment of a double-quoted value stays one word).
      const ok = await spawnAgent(coordinator, {}, { space: 's', agent: 'a', work_dir: dir, command: 'env -i TERM="$TERM" A=\'x y\' claude --permission-mode manual', ready_timeout_s: 1 }, { pollMs: 20 });
      expect(ok.command).toBe('env -i TERM="$TERM" A=\'x y\' claude --permission-mode manual');
      // With --allow-skip-permissions nothing is refused.
      const allowed = await spawnAgent(coordinator, {}, { space: 's', agent: 'b', work_dir: dir, command: 'claude $FLAGS --dangerously-skip-permi""ssions', ready_timeout_s: 1 }, { allowSkipPermissions: true, pollMs: 20 });
      expect(allowed.command).toBe('claude $FLAGS --dangerously-skip-permi""ssions');
    } finally {
      cleanup();
    }
  });

  it('starts each agent kind with its own command, and refuses that program\'s own skipping flags', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      const spawn = (agent: string, agent_kind: string, extra: { command?: string; skip_permissions?: boolean } = {}, allow = false) =>
        spawnAgent(coordinator, {}, { space: 's', agent, work_dir: dir, agent_kind, ready_timeout_s: 1, ...extra }, { pollMs: 20, allowSkipPermissions: allow });
      for (const [kind, command] of [
        ['codex', 'codex --yolo'],
        ['codex', 'codex --dangerously-bypass-approvals-and-sandbox'],
        ['codex', "codex -c 'approval_policy=never'"],
        ['codex', "codex -c 'approval_policy = \"never\"'"],
        ['codex', 'codex -a never'],
        ['codex', 'codex --ask-for-approval never'],
        ['codex', 'codex --ask-for-approval=never'],
        ['codex', 'codex -anever'],
        ['codex', 'codex --approve-for-me'],
        ['gemini', 'gemini --yolo'],
        ['gemini', 'gemini -y'],
        ['gemini', 'gemini -dy'],
        ['gemini', 'gemini --approval-mode yolo'],
        ['gemini', 'gemini --approval-mode=yolo'],
        ['claude-code', 'claude --permission-mode bypassPermissions'],
      ] as const) {
        expect(await domainCode(spawn('x', kind, { command })), command).toMatch(/^forbidden: skip_permissions/);
      }
      // skip_permissions is refused for every kind unless the server allows it.
      expect(await domainCode(spawn('x', 'codex', { skip_permissions: true }))).toMatch(/^forbidden: skip_permissions/);
      expect(backend.sessions.size).toBe(0);

      expect((await spawn('c', 'codex')).command).toBe('codex --no-daemon');
      expect((await spawn('g', 'gemini')).command).toBe('gemini');
      expect((await spawn('cy', 'codex', { skip_permissions: true }, true)).command).toBe('codex --no-daemon --dangerously-bypass-approvals-and-sandbox');
      expect((await spawn('gy', 'gemini', { skip_permissions: true }, true)).command).toBe('gemini --yolo');
      // A plain shell: nothing typed, nothing to skip.
      const sh = await spawn('sh', 'shell');
      expect(sh).toMatchObject({ command: '', agent_kind: 'shell', ignited: false });
      expect(backend.sessions.get('s-sh')!.inputs).toEqual([]);
      expect(await domainCode(spawn('sh2', 'shell', { skip_permissions: true }, true))).toMatch(/^validation: skip_permissions: agent kind "shell" has no flag/);
    } finally {
      cleanup();
    }
  });

  it('matches each program\'s skipping flags as whole flags and option values, not as parts of other words', () => {
    // A prompt or a value that merely contains a flag's letters is not a flag.
    expect(skipsPermissions(['gemini', '-p', 'say yolo'], GEMINI_LAUNCH)).toBe(false);
    expect(skipsPermissions(['gemini', '--yolo=false'], GEMINI_LAUNCH)).toBe(false);
    expect(skipsPermissions(['gemini', '--approval-mode', 'auto_edit'], GEMINI_LAUNCH)).toBe(false);
    expect(skipsPermissions(['gemini', '--model', 'yolo-model'], GEMINI_LAUNCH)).toBe(false);
    expect(skipsPermissions(['codex', '-a', 'on-request'], CODEX_LAUNCH)).toBe(false);
    expect(skipsPermissions(['codex', 'never ask me twice'], CODEX_LAUNCH)).toBe(false);
    expect(skipsPermissions(['codex', '--yolo'], CODEX_LAUNCH)).toBe(true);
    expect(skipsPermissions(['gemini', '--yolo=true'], GEMINI_LAUNCH)).toBe(true);
    expect(skipsPermissions(['claude', '--permission-mode=bypassPermissions'], CLAUDE_CODE_LAUNCH)).toBe(true);
  });

  it('skipsPermissions takes the program\'s flag list as data', () => {
    expect(skipsPermissions(['codex', '--yolo'], ['--yolo'])).toBe(true);
    expect(skipsPermissions(['codex', '--model', 'o3'], ['--yolo'])).toBe(false);
    expect(skipsPermissions(['claude', '--dangerously-skip-permissions'], CLAUDE_CODE_LAUNCH.skipPermissionWords)).toBe(true);
    expect(skipsPermissions(['claude', '--permission-mode', 'acceptEdits'], CLAUDE_CODE_LAUNCH.skipPermissionWords)).toBe(false);
  });

  it('sees the shell prompt come back below the typed command as the program having ended', () => {
    const typed = "bash-5.2$ cd '/tmp/p' && env BOSS_AGENT=ui-tests BOSS_SPACE=web claude";
    const echo = 'env BOSS_AGENT=ui-tests';
    expect(programEnded([typed, "env: 'claude': No such file or directory", 'bash-5.2$'], echo)).toBe(true);
    // The cd may change the prompt; any line ending like a prompt counts.
    expect(programEnded(["me@box:~$ cd '/tmp/p' && env BOSS_AGENT=ui-tests claude", 'bash: claude: command not found', 'me@box:/tmp/p$'], echo)).toBe(true);
    // A prompt without $ # %: the same prompt as the command was typed at.
    expect(programEnded(["❯ cd '/tmp/p' && env BOSS_AGENT=ui-tests claude", 'zsh: command not found: claude', '❯'], echo)).toBe(true);
    // Still starting: the typed line is the last one; or not echoed yet; or the program's own screen below it.
    expect(programEnded(['bash-5.2$', typed], echo)).toBe(false);
    expect(programEnded(['bash-5.2$'], echo)).toBe(false);
    expect(programEnded([typed, '╭───────────╮', '│ > Try "fix lint errors" │', '╰───────────╯', '  ? for shortcuts'], echo)).toBe(false);
  });

  it('answers a program that ends at once as an error with its screen, ends the session and marks the agent error', async () => {
    const { coordinator, backend } = fakeCore();
    const { dir, cleanup } = tempDir();
    try {
      // The fake shell starts nothing: show what a shell prints for a program that is not installed.
      const press = backend.terminal.pressKey.bind(backend.terminal);
      backend.terminal.pressKey = async (id, key) => {
        await press(id, key);
        const pane = backend.sessions.get(id);
        const typed = pane?.commands[0];
        if (typed) pane.showLines([`user@host:~$ ${typed}`, "env: 'claude': No such file or directory", 'user@host:/tmp/p$']);
      };
      const started = Date.now();
      const err = await domainCode(spawnAgent(coordinator, {}, { space: 'web', agent: 'ui-tests', work_dir: dir, ready_timeout_s: 20 }, { pollMs: 20 }));
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(err).toMatch(/^backend_failed: "claude" ended before it drew its input box: the shell prompt of session "web-ui-tests" is back\./);
      expect(err).toMatch(/"claude" could not be started: install it or put it on the PATH .* or pass command/);
      expect(err).toMatch(/The session was ended/);
      expect(err).toContain("env: 'claude': No such file or directory");
      expect(backend.sessions.has('web-ui-tests')).toBe(false);
      expect(await coordinator.getAgent({ space: 'web', agent: 'ui-tests' })).toMatchObject({
        status: 'error',
        summary: "Did not start: env: 'claude': No such file or directory",
      });
      // Once fixed, spawning again is not refused as "already running".
      backend.terminal.pressKey = press;
      const again = await spawnAgent(coordinator, {}, { space: 'web', agent: 'ui-tests', work_dir: dir, ready_timeout_s: 1 }, { pollMs: 20 });
      expect(again.session_id).toBe('web-ui-tests');
    } finally {
      cleanup();
    }
  });

  it('waits well under the MCP client default request timeout (60 s) by default', () => {
    expect(DEFAULT_READY_TIMEOUT_S).toBeLessThanOrEqual(30);
  });
});
