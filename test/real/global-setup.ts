/**
 * vitest global setup: installs the agent programs the real-binary tests drive (Claude Code of
 * CLAUDE_CODE_VERSION, default the pinned one, and the other tested Claude Code versions of the
 * version matrix, about 370 MB each; the pinned Codex and Gemini CLIs and claude-agent-acp) into the project cache (once;
 * see scripts/ensure-claude-code.mjs, ensure-codex.mjs, ensure-gemini.mjs, ensure-claude-agent-acp.mjs) before any test file
 * starts, so the tests of both workers find them. A failed install does not stop the other tests:
 * it is printed here, and every test of that program then fails with the reason (they never skip).
 */
// @ts-expect-error -- a plain .mjs script without type declarations
import { CLAUDE_CODE_VERSION, ensureClaudeCode, TESTED_CLAUDE_CODE_VERSIONS } from '../../scripts/ensure-claude-code.mjs';
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureClaudeAgentAcp } from '../../scripts/ensure-claude-agent-acp.mjs';
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureCodex } from '../../scripts/ensure-codex.mjs';
// @ts-expect-error -- a plain .mjs script without type declarations
import { ensureGemini } from '../../scripts/ensure-gemini.mjs';

export default function setup(): void {
  // The Claude Code of this run first, then the other tested ones (test/real/versions.test.ts).
  const claudeCodes = [...new Set([CLAUDE_CODE_VERSION as string, ...(TESTED_CLAUDE_CODE_VERSIONS as string[])])].map(
    (version) => [`Claude Code ${version}`, () => (ensureClaudeCode as (o: { env: NodeJS.ProcessEnv }) => string)({ env: { ...process.env, CLAUDE_CODE_VERSION: version } })] as const,
  );
  for (const [program, ensure] of [...claudeCodes, ['Codex CLI', ensureCodex as () => string], ['Gemini CLI', ensureGemini as () => string], ['claude-agent-acp', ensureClaudeAgentAcp as () => string]] as const) {
    try {
      ensure();
    } catch (err) {
      process.stderr.write(`\nreal-binary tests: ${program} is not usable, so its tests will fail: ${(err as Error).message}\n\n`);
    }
  }
}
