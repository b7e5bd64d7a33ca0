import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Which folder may import which (docs/architecture.md): checked on the source, so the picture stays
 * true. Paths are relative to src/; a rule lists the prefixes a folder may import from.
 */
const SRC = resolve(import.meta.dirname, '..', '..', 'src');

/** The contracts: the session backend, the terminal, the agent UI, errors, prompt ids, typed text compared, blocked reasons. */
const BACKEND_TYPES = [
  'backends/blocked.ts',
  'backends/session-backend.ts',
  'backends/terminal.ts',
  'backends/agent-ui.ts',
  'backends/agent-hooks.ts',
  'backends/errors.ts',
  'backends/prompt-id.ts',
  'backends/typed-text.ts',
];

const RULES: [folder: string, mayImport: string[]][] = [
  // The agent UIs: what a program's screen means and which keys answer it. No I/O, no terminal.
  ['agents/', ['agents/', ...BACKEND_TYPES]],
  // Wires the tmux terminal to the agent UI of the agent kind: the only tmux file that sees agents/.
  ['backends/tmux/tmux-backend.ts', ['backends/tmux/', 'backends/agent-session-backend.ts', 'backends/send-input.ts', 'agents/index.ts']],
  // The tmux terminal: knows no agent program.
  ['backends/tmux/', ['backends/tmux/', ...BACKEND_TYPES]],
  // The session backend over a terminal and an agent UI, the registry: no concrete terminal or agent.
  ['backends/', ['backends/']],
  ['store/', ['store/']],
  ['core/', ['core/', 'store/', 'backends/session-backend.ts', 'backends/agent-hooks.ts', 'backends/errors.ts', 'backends/registry.ts', 'backends/prompt-id.ts', 'backends/typed-text.ts', 'backends/shell-quote.ts', 'backends/blocked.ts', 'backends/session-ids.ts']],
  ['tools/', ['tools/', 'prompts/', 'core/']],
  ['prompts/', ['prompts/', 'core/']],
  ['resources/', ['resources/', 'prompts/', 'core/']],
  ['mcp/', ['mcp/', 'tools/', 'prompts/', 'resources/', 'core/', 'version.ts']],
  // The agent-token store is handed to the HTTP face by the composition root (authentication), as a type.
  ['http/', ['http/', 'mcp/', 'core/', 'backends/shell-quote.ts', 'store/agent-tokens.ts', 'log.ts', 'version.ts', 'config.ts', 'runtime.ts', 'setup-claude.ts']],
  // cli-suggest.ts: the dependency-free "did you mean" of the command line (setup hooks' flags).
  // json-edit.ts, settings-file.ts: how `setup hooks` and `setup claude` change a user's settings file.
  // Notification sinks (webhook, command): they know the event, nothing else of ours.
  ['notify/', ['notify/', 'core/notifications.ts', 'core/text.ts', 'log.ts', 'version.ts']],
  ['hooks/', ['hooks/', 'core/', 'cli-suggest.ts', 'json-edit.ts', 'settings-file.ts', 'backends/shell-quote.ts']],
];

/** The faces: they reach the store and the backends only through the core's functions. */
const FACES = ['http/', 'tools/', 'mcp/', 'prompts/', 'resources/', 'hooks/'];

/** The longest a source file may be. */
const MAX_LINES = 450;

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

const toSrc = (file: string, spec: string): string => relative(SRC, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');

/** Relative imports of a file (static, re-exports and dynamic), as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => toSrc(file, s));
}

/** Relative imports that bring in values (not `import type` / `export type`), as paths relative to src/. */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'(\.[^']+)'|import\s*\(\s*'(\.[^']+)'/gm)].map((m) => m[1] ?? m[2]!);
  return specs.map((s) => toSrc(file, s));
}

const inFaces = (files: string[]) => files.filter((f) => FACES.some((face) => relative(SRC, f).startsWith(face)));

describe('layering', () => {
  const files = sourceFiles(SRC);

  it('finds the source files and their imports', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(importsOf(join(SRC, 'core', 'coordinator.ts'))).toContain('store/store.ts');
  });

  it.each(RULES)('%s imports only what it may', (folder, mayImport) => {
    const inFolder = files.filter((f) => {
      const rel = relative(SRC, f);
      // A file belongs to the most specific rule (backends/tmux/tmux-backend.ts before backends/tmux/ before backends/).
      return rel.startsWith(folder) && RULES.find(([other]) => rel.startsWith(other))?.[0] === folder;
    });
    expect(inFolder.length).toBeGreaterThan(0);
    const broken = inFolder.flatMap((f) =>
      importsOf(f)
        .filter((target) => !mayImport.some((allowed) => target.startsWith(allowed)))
        .map((target) => `${relative(SRC, f)} → ${target}`),
    );
    expect(broken).toEqual([]);
  });

  it('faces never reach into the store or the backends: they call the core', () => {
    const faces = inFaces(files);
    expect(faces.length).toBeGreaterThan(10);
    const reaching = faces.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .map((line, i) => ({ line, at: `${relative(SRC, f)}:${i + 1}` }))
        .filter(({ line }) => /\bcoordinator\)?\s*\.\s*(store|backends)\b|\.hooks\s*\??\.\s*store\b|\bhooks\(\)\.store\b/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(reaching).toEqual([]);
    // What a face imports of the store is a type (the agent-token store is injected, never built here).
    const storeValues = faces.flatMap((f) => valueImportsOf(f).filter((t) => t.startsWith('store/')).map((t) => `${relative(SRC, f)} → ${t}`));
    expect(storeValues).toEqual([]);
  });

  it('the check for reaching around the core can fail', () => {
    const probe = 'const x = ctx.coordinator.store.listAgents();';
    expect(/\bcoordinator\)?\s*\.\s*(store|backends)\b/.test(probe)).toBe(true);
    expect(valueImportsOf(join(SRC, 'core', 'coordinator.ts'))).toContain('store/store.ts');
    expect(valueImportsOf(join(SRC, 'core', 'directory.ts'))).not.toContain('store/store.ts');
  });

  it(`no source file is over ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ rel: relative(SRC, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.rel}: ${f.lines}`);
    expect(long).toEqual([]);
  });

  it('keeps concrete terminals and agent programs out of the backend core and the core', () => {
    const concrete = /^(?:backends\/tmux\/|agents\/)/;
    const broken = files
      .filter((f) => /^(?:core\/|backends\/[^/]+\.ts$)/.test(relative(SRC, f)))
      .flatMap((f) => importsOf(f).filter((t) => concrete.test(t)).map((t) => `${relative(SRC, f)} → ${t}`));
    expect(broken).toEqual([]);
  });

  it('keeps every agent program in its own folder: agents/<kind>/ imports no sibling', () => {
    const broken = files
      .filter((f) => /^agents\/[^/]+\//.test(relative(SRC, f)))
      .flatMap((f) => {
        const kind = relative(SRC, f).split('/')[1]!;
        return importsOf(f)
          .filter((t) => t.startsWith('agents/') && !t.startsWith(`agents/${kind}/`))
          .map((t) => `${relative(SRC, f)} → ${t}`);
      });
    expect(broken).toEqual([]);
  });

  it('names no program in the core: Claude Code\'s hook events, tools and flags live in agents/claude-code/', () => {
    const core = files.filter((f) => relative(SRC, f).startsWith('core/'));
    expect(core.length).toBeGreaterThan(20);
    const broken = core.flatMap((f) =>
      readFileSync(f, 'utf8')
        .split('\n')
        .flatMap((line, i) => claudeCodeNames(line).map((name) => `${relative(SRC, f)}:${i + 1}: ${name}`)),
    );
    expect(broken).toEqual([]);
  });

  it('the check for program names can fail', () => {
    const hooks = readFileSync(join(SRC, 'agents', 'claude-code', 'hooks.ts'), 'utf8');
    expect(claudeCodeNames(hooks)).toEqual(expect.arrayContaining(['PreToolUse', 'PermissionRequest', "'Bash'", "'Edit'", "'Write'"]));
    expect(claudeCodeNames(readFileSync(join(SRC, 'agents', 'claude-code', 'ui.ts'), 'utf8'))).toEqual(expect.arrayContaining(['--dangerously-skip-permissions', 'claude']));
    expect(claudeCodeNames('a bash command line; Write the program literally; a Stop; run the agent program')).toEqual([]);
  });
});

/**
 * Claude Code's names found in `text`: its hook events (whole words; "Stop" and "Notification"
 * only quoted, being English words too), its tool names (quoted, and the distinctive ones as
 * words), its permission flags and modes, and "claude" in any case (Claude Code, claude-code).
 */
function claudeCodeNames(text: string): string[] {
  const events = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'PostToolUseFailure', 'StopFailure', 'SubagentStart', 'SubagentStop', 'PreCompact', 'PostCompact', 'SessionEnd'];
  const words = [...events, 'Bash', 'MultiEdit', 'NotebookEdit', 'WebFetch', 'WebSearch', 'ExitPlanMode', 'AskUserQuestion', 'bypassPermissions', 'acceptEdits'];
  const quoted = ['Stop', 'Notification', 'Bash', 'Edit', 'Write', 'Read', 'Task', 'Glob', 'Grep'];
  const flags = ['--dangerously-skip-permissions', '--allow-dangerously-skip-permissions', '--permission-mode'];
  const found = [
    ...words.filter((w) => new RegExp(`\\b${w}\\b`).test(text)),
    ...quoted.flatMap((w) => [`'${w}'`, `"${w}"`]).filter((q) => text.includes(q)),
    ...flags.filter((f) => text.includes(f)),
    ...(/\bclaude\b/i.test(text) ? ['claude'] : []),
  ];
  return found;
}
