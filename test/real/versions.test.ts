/**
 * The version matrix: the class tests (class-tests.ts) on every other tested Claude Code version
 * (src/agents/claude-code/versions.ts: the newest when tested and one about a month older than the
 * pinned one), next to the run's own version in classes.test.ts. The global setup installs them.
 */
import { TESTED_CLAUDE_CODE_VERSIONS } from '../../src/agents/claude-code/versions.js';
import { CLAUDE_CODE_VERSION } from '../helpers/claude-code.js';
import { classTests } from './class-tests.js';

for (const version of TESTED_CLAUDE_CODE_VERSIONS.filter((v) => v !== CLAUDE_CODE_VERSION)) classTests(version);
