/** The class tests (class-tests.ts) on the Claude Code of this run (CLAUDE_CODE_VERSION, else the pinned one). */
import { CLAUDE_CODE_VERSION } from '../helpers/claude-code.js';
import { classTests } from './class-tests.js';

classTests(CLAUDE_CODE_VERSION as string);
