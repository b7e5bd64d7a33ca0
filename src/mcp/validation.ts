import type { z } from 'zod';

/**
 * Input validation failures in words a model can act on: each bad field by name, what is wrong,
 * and what to do next (instead of the SDK's "Input validation error: Invalid arguments for tool …"
 * followed by zod's JSON).
 */
export function describeInvalidInput(tool: string, schema: z.ZodObject, error: z.ZodError): string {
  const fields = Object.keys(schema.shape);
  // One problem per field: an empty name also "starts with spaces", which says nothing new.
  const seen = new Set<string>();
  const issues = error.issues.filter((i) => {
    const key = i.code === 'unrecognized_keys' ? `?${i.path.join('.')}` : i.path.join('.');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const problems = issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      return `unknown field${keys.length === 1 ? '' : 's'} ${keys.map((k) => `"${k}"`).join(', ')}${path ? ` in ${path}` : ''} (${tool} accepts ${fields.join(', ')})`;
    }
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `${path}: is required`;
    if (issue.code === 'invalid_type') return `${path}: must be ${(issue as { expected?: string }).expected ?? 'of another type'}`;
    if (issue.code === 'invalid_value' && /^Invalid (input|option)/.test(issue.message) && 'values' in issue) {
      return `${path}: must be one of ${(issue.values as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    // Our schemas' own messages already name the field ("agent name must not be empty").
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  return `Invalid input for ${tool}: ${problems.join('; ')}. Fix ${problems.length === 1 ? 'that field' : 'those fields'} and call ${tool} again (its input schema is in tools/list).`;
}
