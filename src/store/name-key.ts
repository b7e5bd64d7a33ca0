/**
 * How names (spaces, agents) are folded for matching: the one rule, here because the store keys its
 * rows by it (`name_key` columns) and the core matches names by it (identity.ts). Folding happens in
 * JavaScript only, never in SQL (SQLite's lower() folds ASCII letters only).
 */
export const nameKey = (name: string): string => name.toLowerCase();
