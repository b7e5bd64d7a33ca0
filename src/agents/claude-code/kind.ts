/** The agent kind of Claude Code (its own module, so its hooks load without its screen parser). */
export const CLAUDE_CODE = 'claude-code';
