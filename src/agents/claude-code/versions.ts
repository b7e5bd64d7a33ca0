/**
 * The Claude Code versions this project is tested against (the real-client tests and the screens in
 * test/fixtures/screens/claude-code-<version>/). scripts/ensure-claude-code.mjs reads this file too:
 * keep the two constants plain literals.
 */
/** The version the real-client tests run by default. */
export const PINNED_CLAUDE_CODE_VERSION = '2.1.328';
/** Oldest first: about a month older than the pinned one, the pinned one, the newest when tested. */
export const TESTED_CLAUDE_CODE_VERSIONS = ['2.1.300', '2.1.328', '2.1.332'] as const;

const parts = (v: string): number[] => v.split('.').map((n) => Number.parseInt(n, 10));

/** -1, 0, 1 as `a` is older than, equal to, newer than `b` (x.y.z). */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0) ? -1 : 1;
  return 0;
}

/** What to say about an agent running `version`: undefined when it lies in the tested range. */
export function versionWarning(version: string): string | undefined {
  const oldest = TESTED_CLAUDE_CODE_VERSIONS[0];
  const newest = TESTED_CLAUDE_CODE_VERSIONS[TESTED_CLAUDE_CODE_VERSIONS.length - 1]!;
  if (!/^\d+\.\d+\.\d+$/u.test(version)) return `unrecognised Claude Code version "${version}"`;
  if (compareVersions(version, oldest) < 0) return `Claude Code ${version} is older than the oldest tested version (${oldest}): its screens may be read wrong; update it`;
  if (compareVersions(version, newest) > 0) {
    return `Claude Code ${version} is newer than the newest tested version (${newest}): its screens may be read wrong; test it with CLAUDE_CODE_VERSION=${version} npm run test:real`;
  }
  return undefined;
}
