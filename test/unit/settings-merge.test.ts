import { describe, expect, it } from 'vitest';
import { claudeCodeHooks } from '../../src/agents/claude-code/hooks.js';
import { hookEntries } from '../../src/hooks/setup-command.js';
import { isAgentBossHook, mergeHookSettings, SettingsError } from '../../src/hooks/settings-merge.js';

const CMD = "agent-boss hook --data-dir '/srv/boss data'";
const wanted = hookEntries(claudeCodeHooks.settings, CMD);
const EVENTS = Object.keys(wanted);

const userSettings = `{
    "model": "opus",
    "permissions": { "allow": ["Bash(npm test)"] },
    "hooks": {
        "PreToolUse": [
            {
                "matcher": "Bash",
                "hooks": [ { "type": "command", "command": "my-linter" } ]
            }
        ],
        "Stop": []
    }
}
`;

describe('merging hook entries into settings.json text', () => {
  it('writes a fresh file when there is none', () => {
    const r = mergeHookSettings('', wanted);
    expect(r.added).toEqual(EVENTS);
    const parsed = JSON.parse(r.text) as { hooks: Record<string, unknown[]> };
    expect(Object.keys(parsed.hooks)).toEqual(EVENTS);
    expect(parsed.hooks.PermissionRequest).toEqual([{ matcher: '*', hooks: [{ type: 'command', command: CMD, timeout: 5 }] }]);
    expect(parsed.hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: CMD, timeout: 5 }] }]);
  });

  it("keeps every byte of the user's settings and hooks, only adding", () => {
    const r = mergeHookSettings(userSettings, wanted);
    expect(r.added).toEqual(EVENTS);
    const parsed = JSON.parse(r.text) as { model: string; permissions: unknown; hooks: Record<string, { hooks: { command: string }[] }[]> };
    expect(parsed.model).toBe('opus');
    expect(parsed.permissions).toEqual({ allow: ['Bash(npm test)'] });
    expect(parsed.hooks.PreToolUse!.map((e) => e.hooks[0]!.command)).toEqual(['my-linter', CMD]);
    expect(parsed.hooks.Stop!.map((e) => e.hooks[0]!.command)).toEqual([CMD]);
    // Only insertions: the original text is a subsequence of the result, and each kept line whole but one
    // (the empty "Stop": [] list, which now holds the entry).
    let at = 0;
    for (const ch of userSettings) {
      at = r.text.indexOf(ch, at);
      expect(at).toBeGreaterThanOrEqual(0);
      at++;
    }
    const lines = new Set(r.text.split('\n'));
    expect(userSettings.split('\n').filter((l) => !lines.has(l))).toEqual(['        "Stop": []']);
    // The file's own indentation (4 spaces) is used for the new entries.
    expect(r.text).toMatch(/\n {8}"SessionStart": \[\n {12}\{/);
  });

  it('running twice changes nothing', () => {
    const once = mergeHookSettings(userSettings, wanted).text;
    const twice = mergeHookSettings(once, wanted);
    expect(twice.added).toEqual([]);
    expect(twice.text).toBe(once);
    expect(twice.present).toHaveLength(EVENTS.length);
  });

  it('an existing agent-boss hook with another command is kept, not doubled', () => {
    const other = mergeHookSettings('', hookEntries(claudeCodeHooks.settings, 'node /opt/ab/dist/cli.js hook --url http://127.0.0.1:8899')).text;
    const r = mergeHookSettings(other, wanted);
    expect(r.added).toEqual([]);
    expect(r.text).toBe(other);
    expect(r.present[0]!.command).toContain('cli.js hook');
  });

  it('handles one-line files, empty objects and a BOM', () => {
    for (const text of ['{}', '{"hooks":{}}', '\uFEFF{"a":1}', '{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"x"}]}]}}']) {
      const r = mergeHookSettings(text, wanted);
      expect(r.added).toEqual(EVENTS);
      expect(() => JSON.parse(r.text.replace(/^\uFEFF/, ''))).not.toThrow();
      expect(mergeHookSettings(r.text, wanted).text).toBe(r.text);
    }
    expect(mergeHookSettings('\uFEFF{"a":1}', wanted).text.startsWith('\uFEFF{"a":1,')).toBe(true);
  });

  it('refuses what it cannot merge safely, naming the problem', () => {
    expect(() => mergeHookSettings('{"a":1,}', wanted)).toThrow(SettingsError);
    expect(() => mergeHookSettings('// comment\n{}', wanted)).toThrow(/not valid JSON at line 1/);
    expect(() => mergeHookSettings('[]', wanted)).toThrow(/not a JSON object/);
    expect(() => mergeHookSettings('{"hooks": []}', wanted)).toThrow(/"hooks" in the settings file is not an object/);
    expect(() => mergeHookSettings('{"hooks": {"Stop": {}}}', wanted)).toThrow(/"hooks.Stop" .* is not a list/);
  });

  it.each([
    ['agent-boss hook', true],
    ["agent-boss hook --data-dir '/x'", true],
    ['npx agent-boss hook', true],
    ['node /a/dist/cli.js hook --url http://h', true],
    ['/usr/local/bin/agent-boss hook', true],
    ['agent-boss serve', false],
    ['my-hook', false],
  ])('recognises "%s" as agent-boss hook: %s', (cmd, yes) => {
    expect(isAgentBossHook(cmd)).toBe(yes);
  });
});
