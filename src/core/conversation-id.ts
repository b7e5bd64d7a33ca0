/**
 * An agent program's own id of its conversation (its session id, e.g. a UUID): what
 * resume_agent passes back to the program. Kept to letters, digits, `-` and `_` so it is one
 * shell word as it is; anything else is not recorded. Zod-free (the hook command loads it).
 */
const CONVERSATION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{7,127}$/u;

export const isConversationId = (id: string | undefined): id is string => id !== undefined && CONVERSATION_ID.test(id);
