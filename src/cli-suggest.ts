/**
 * "Did you mean …?" for a mistyped command, target or flag. No dependencies: the hook's setup and
 * the token command use it without loading the rest.
 */

import { closest } from './core/suggest.js';

export { closest, editDistance } from './core/suggest.js';

/**
 * What follows `unknown thing "word"`: `: did you mean "x"? Use …` when a candidate is close, else
 * `: use …` (`rest` is the list of what is accepted, starting lower-case).
 */
export const didYouMean = (word: string, candidates: readonly string[], rest: string, quote = (s: string) => `"${s}"`): string => {
  const c = closest(word, candidates);
  return c === undefined ? `: ${rest}` : `: did you mean ${quote(c)}? ${rest.charAt(0).toUpperCase()}${rest.slice(1)}`;
};

/**
 * The message for a node:util parseArgs error, with the suggestion for a mistyped flag and where
 * to read the command's options: `Unknown option '--prot'; did you mean --port? (see agent-boss help serve)`.
 * `flags` are the option names the command accepts, without dashes.
 */
export function argErrorMessage(err: unknown, flags: readonly string[], seeHelp: string): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\. To specify.*$/s, '');
  const unknown = /^Unknown option '(-{1,2})([^'=]+)'/.exec(message);
  const c = unknown ? closest(unknown[2]!, flags) : undefined;
  return `${message}${c === undefined ? '' : `: did you mean --${c}?`} (see ${seeHelp})`;
}
