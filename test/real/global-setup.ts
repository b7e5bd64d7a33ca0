/**
 * vitest global setup: installs the Claude Code of CLAUDE_CODE_VERSION (default: the pinned one)
 * into the project cache (once; see scripts/ensure-claude-code.mjs) before any test file starts,
 * so the real-client tests of both
 * workers find it. A failed install does not stop the other tests: it is printed here, and every
 * real-client test then fails with the reason (they never skip).
 */
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureClaudeCode } from '../../scripts/ensure-claude-code.mjs';

export default function setup(): void {
  try {
    (ensureClaudeCode as () => string)();
  } catch (err) {
    process.stderr.write(`\nreal-client tests: Claude Code is not usable, so they will fail: ${(err as Error).message}\n\n`);
  }
}
