import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';

/** A problem in a YAML file: the line (when the node can be located), the key path and what was expected. */
export type YamlProblem = { line: number | undefined; path: string; message: string };

/** A parsed YAML document with the line counter that locates its nodes. */
export type LocatedYaml = {
  doc: Document;
  counter: LineCounter;
  /** The first YAML syntax error (a duplicate key included), as a problem at `(yaml)`. */
  syntaxProblem: YamlProblem | undefined;
};

/**
 * Parses YAML the way Greenlight's config files are read (duplicate keys refused) and keeps what locates a node,
 * so the environments file and the runbook report `file:line: key: expected` the same way.
 */
export function parseLocatedYaml(text: string): LocatedYaml {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  const syntaxProblem =
    error === undefined
      ? undefined
      : {
          line: error.linePos?.[0].line ?? counter.linePos(error.pos[0]).line,
          path: '(yaml)',
          message: `not valid YAML: ${error.message.split('\n')[0] ?? ''}`,
        };
  return { doc, counter, syntaxProblem };
}

/** `steps[3].run.params`: a key path as a release engineer reads it in the file. */
export function keyPathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/**
 * The line of the deepest key of `path` present in the document: the key itself for a map entry (so an error about
 * an environment points at `staging:`, not at its first setting), the item for a list entry.
 */
export function lineOf(
  { doc, counter }: Pick<LocatedYaml, 'doc' | 'counter'>,
  path: readonly (string | number)[],
): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (pair === undefined) break;
      const range = isScalar(pair.key) ? pair.key.range : undefined;
      if (range) line = counter.linePos(range[0]).line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item: unknown = node.items[segment];
      const range = (item as { range?: [number, number, number] } | undefined)?.range;
      if (range === undefined) break;
      line = counter.linePos(range[0]).line;
      node = item;
    } else {
      break;
    }
  }
  return line;
}

/**
 * A zod issue located in the YAML it was parsed from. `describe` words the message (each file has its own
 * vocabulary); an empty path is `(root)`.
 */
export function zodIssueProblem(
  yaml: Pick<LocatedYaml, 'doc' | 'counter'>,
  issue: z.core.$ZodIssue,
  describe: (issue: z.core.$ZodIssue) => string,
): YamlProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  return {
    line: lineOf(yaml, path),
    path: keyPathText(path) || '(root)',
    message: describe(issue),
  };
}
