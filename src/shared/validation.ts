import type { z } from 'zod';

/**
 * One line per problem, each naming the field by its path and saying what was expected, e.g.
 * `version: expected string, received number`. Used for contract inputs, config files and runbooks alike.
 */
export function describeIssues(error: z.ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    return `${path === '' ? '(input)' : path}: ${issue.message}`;
  });
}
