import { createHash } from 'node:crypto';

/**
 * The id of a pending permission prompt: a short (12 hex chars) stable hash of the tool name and
 * the text that identifies what the prompt is about, whitespace-normalised. The screen parser
 * derives it from what the dialog shows; the hook path from the tool name and the subject of the
 * tool input (see `core/hook-state.ts`). Both call this one function, so equal inputs give equal ids.
 */
export function promptIdFor(toolName: string | undefined, text: string): string {
  return createHash('sha256')
    .update(`${toolName ?? ''}\u0000${text.replace(/\s+/gu, ' ').trim()}`)
    .digest('hex')
    .slice(0, 12);
}
