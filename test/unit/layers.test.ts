import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Which folder may import which (docs/architecture.md): checked on the source, so the picture stays
 * true. Paths are relative to src/; a rule lists the prefixes a folder may import from.
 */
const SRC = resolve(import.meta.dirname, '..', '..', 'src');

/** The contracts: the session backend, the terminal, the agent UI, errors, prompt ids. */
const BACKEND_TYPES = [
  'backends/session-backend.ts',
  'backends/terminal.ts',
  'backends/agent-ui.ts',
  'backends/errors.ts',
  'backends/prompt-id.ts',
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
  ['core/', ['core/', 'store/', 'backends/session-backend.ts', 'backends/errors.ts', 'backends/registry.ts', 'backends/prompt-id.ts']],
  ['tools/', ['tools/', 'prompts/', 'core/', 'store/']],
  ['prompts/', ['prompts/', 'core/', 'store/']],
  ['resources/', ['resources/', 'prompts/', 'core/', 'store/']],
  ['mcp/', ['mcp/', 'tools/', 'prompts/', 'resources/', 'core/', 'version.ts']],
  ['http/', ['http/', 'mcp/', 'core/', 'store/', 'log.ts', 'version.ts', 'config.ts', 'runtime.ts', 'setup-claude.ts']],
  ['hooks/', ['hooks/', 'core/', 'store/']],
];

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

/** Relative imports of a file (static, re-exports and dynamic), as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

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
});
