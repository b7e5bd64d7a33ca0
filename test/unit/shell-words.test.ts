import { describe, expect, it } from 'vitest';
import { dynamicWords, nestedShellCode, parseShell } from '../../src/core/shell-words.js';

const words = (line: string) => parseShell(line).commands.map((c) => c.words);

describe('shell words: simple commands as argv words', () => {
  it.each([
    ['npm test -- --watch', [['npm', 'test', '--', '--watch']]],
    ['a && b || c; d | e |& f & g\nh', [['a'], ['b'], ['c'], ['d'], ['e'], ['f'], ['g'], ['h']]],
    ['(a; (b))', [['a'], ['b']]],
    ['{ a; b; }', [['a'], ['b']]],
    ['if a; then b; elif c; then d; else e; fi', [['a'], ['b'], ['c'], ['d'], ['e']]],
    ['while a; do b; done; until c; do d; done', [['a'], ['b'], ['c'], ['d']]],
    ['for f in x y; do rm "$f"; done', [['rm', '$f']]],
    ['for f do a; done', [['a']]],
    ['case "$x" in a|b) one;; (c) two;& *) three;;& esac; after', [['one'], ['two'], ['three'], ['after']]],
    ['! a | time b', [['a'], ['b']]],
    ["'a b' \"c d\" e\\ f $'g\\x41\\n' $\"h\"", [['a b', 'c d', 'e f', 'gA\n', 'h']]],
    ["r''m \\r\\m \"r\"m", [['rm', 'rm', 'rm']]],
    ['"a\\"b\\$c\\\\d\\e"', [['a"b$c\\d\\e']]],
    ['echo a\\\nb', [['echo', 'ab']]],
    ['echo a # b; c', [['echo', 'a']]],
    ['echo a#b', [['echo', 'a#b']]],
    ['A=1 B=2 cmd x', [['A=1', 'B=2', 'cmd', 'x']]],
    ['cmd 2>&1 >out <in &>all >>app x', [['cmd', 'x']]],
    ['echo $(a $(b)) `c` "$(d)" <(e) >(f)', [['b'], ['a', '$(b)'], ['c'], ['d'], ['e'], ['f'], ['echo', '$(a $(b))', '`c`', '$(d)', '<(e)', '>(f)']]],
    ['echo ${x:-$(a)}', [['a'], ['echo', '${x:-$(a)}']]],
    ['echo `a \\`b\\``', [['b'], ['a', '`b`'], ['echo', '`a \\`b\\``']]],
    ['f() { a; }', [['a']]],
  ])('%j', (line, want) => {
    expect(words(line)).toEqual(want);
  });

  it('keeps the text of each command as written, redirections included', () => {
    expect(parseShell('if x; then  npm test 2>&1 ; fi').commands.map((c) => c.text)).toEqual(['x', 'npm test 2>&1']);
  });

  it('says whether every word is known without running anything', () => {
    const stat = (line: string) => parseShell(line).commands.at(-1)!.static;
    expect(stat("claude --model 'opus' ~/x")).toBe(true);
    for (const line of ['claude $FLAGS', 'claude ${X}', 'claude "$(echo x)"', 'claude `x`', 'claude --a*', 'claude --a?', 'claude {a,b}', 'claude [ab]', 'claude <(x)']) {
      expect(stat(line), line).toBe(false);
    }
  });

  it.each([
    ["echo 'a", 'an unclosed quote'],
    ['echo "a', 'an unclosed quote'],
    ['echo $(a', 'unbalanced parentheses'],
    ['echo a)', 'unbalanced parentheses'],
    ['echo `a', 'an unclosed backtick'],
    ['cat <<EOF\nx\nEOF', 'here-document'],
    ['echo $((1+2))', 'arithmetic $(( ))'],
    ['((x++))', 'arithmetic (( ))'],
    ['[[ -f x ]]', '[[ is not understood'],
    ['function f { a; }', 'function is not understood'],
    ['f() { a; }', 'function definition'],
    ['a=(1 2)', 'a ( inside a word (array or extglob)'],
    ['{ a; } > out', 'a redirection of a compound command'],
    ['case x a) b;; esac', 'a case without in'],
    ['echo ' + '$('.repeat(200) + ')'.repeat(200), 'nesting too deep'],
  ])('is unsure of %j (%s)', (line, problem) => {
    const p = parseShell(line);
    expect(p.sure).toBe(false);
    expect(p.problems).toContain(problem);
  });

  it('still lists the parts it recognised when unsure, and scans unquoted here-documents for substitutions', () => {
    expect(words("a; echo 'b")).toEqual([['a'], ['echo', 'b']]);
    expect(words('cat <<EOF\n$(rm x) `id`\nEOF\nls')).toEqual([['cat'], ['rm', 'x'], ['id'], ['ls']]);
    expect(words("cat <<'EOF'\n$(rm x)\nEOF\nls")).toEqual([['cat'], ['ls']]);
    expect(words('cat <<-EOF\n\t$(rm x)\n\tEOF\nls')).toEqual([['cat'], ['rm', 'x'], ['ls']]);
  });

  it('reads a long line in linear time', () => {
    const line = `echo ${'"a" '.repeat(100_000)}; ${'x'.repeat(200_000)}`;
    const started = performance.now();
    const p = parseShell(line);
    expect(p.commands).toHaveLength(2);
    expect(performance.now() - started).toBeLessThan(2000); // a guard against quadratic time only
  });
});

describe('shell words: what a command hands to another shell, and what is known before it runs', () => {
  it.each([
    [['sh', '-c', 'a b'], ['a b']],
    [['/bin/bash', '-o', 'posix', '-c', 'x'], ['x']],
    [['env', '-i', 'bash', '-lc', 'y'], ['y']],
    [['eval', 'a', 'b'], ['a b']],
    [['env', '-S', 'claude --x'], ['claude --x']],
    [['env', '-Sclaude --x'], ['claude --x']],
    [['env', '--split-string=claude --x'], ['claude --x']],
    [['claude', '-c', 'x'], []],
    [['echo', 'sh', '-S'], []],
  ])('%j hands on %j', (words, code) => {
    expect(nestedShellCode(words)).toEqual(code);
  });

  it.each([
    ['claude --model opus', undefined],
    ['env -i TERM="$TERM" claude', undefined],
    ["A='$x' claude", undefined],
    ['A=$x claude', '"A=$x" expands when it runs (a variable, a substitution, a glob or a brace)'],
    ['claude "$X"', '"$X" expands when it runs (a variable, a substitution, a glob or a brace)'],
    ['claude a*', '"a*" expands when it runs (a variable, a substitution, a glob or a brace)'],
    ["claude 'x", 'an unclosed quote'],
  ])('dynamicWords(%j) is %j', (line, why) => {
    expect(dynamicWords(line)).toBe(why);
  });
});
