/**
 * vitest global setup: installs the agent programs the real-binary tests drive (Claude Code of
 * CLAUDE_CODE_VERSION, default the pinned one; the pinned Codex and Gemini CLIs) into the project
 * cache (once; see scripts/ensure-claude-code.mjs, ensure-codex.mjs, ensure-gemini.mjs) before any
 * test file starts, so the tests of both workers find them. A failed install does not
 * stop the other tests: it is printed here, and every test of that program then fails with the
 * reason (they never skip).
 */
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureClaudeCode } from '../../scripts/ensure-claude-code.mjs';
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureCodex } from '../../scripts/ensure-codex.mjs';
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureGemini } from '../../scripts/ensure-gemini.mjs';

export default function setup(): void {
  for (const [program, ensure] of [
    ['Claude Code', ensureClaudeCode],
    ['Codex CLI', ensureCodex],
    ['Gemini CLI', ensureGemini],
  ] as const) {
    try {
      (ensure as () => string)();
    } catch (err) {
      process.stderr.write(`\nreal-binary tests: ${program} is not usable, so its tests will fail: ${(err as Error).message}\n\n`);
    }
  }
}
