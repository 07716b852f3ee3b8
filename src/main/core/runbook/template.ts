/**
 * Runbook templates: `${{ env.resources.cluster }}`, `${{ version }}`, `${{ steps.register-task-definition.arn }}`.
 * GitHub-Actions-style braces, so the shell's `${ENV}` and Postman's `{{baseUrl}}` in guidance text stay as written.
 * A value may go through one display filter: `${{ env.thresholds.errorBudget | percent }}` shows 0.1 as `10 %`.
 */

const PATTERN = /\$\{\{\s*([^}]*?)\s*\}\}/g;
const WHOLE = /^\$\{\{\s*([^}]*?)\s*\}\}$/;

/** Paths under `env.` that a runbook may use (the resolved Environment's fields). */
export const environmentPaths = [
  'env.name',
  'env.region',
  'env.accountId',
  'env.profile',
  'env.validationUrl',
  'env.productionUrl',
  'env.permittedCidrs',
  'env.vaultRoot',
  'env.smokeCollection',
  'env.k6Script',
  'env.resources.cluster',
  'env.resources.service',
  'env.resources.codedeployApplication',
  'env.resources.deploymentGroup',
  'env.resources.taskFamily',
  'env.resources.containerName',
  'env.resources.containerPort',
  'env.resources.ecrRepository',
  'env.resources.alarmNames',
  'env.thresholds.p95Ms',
  'env.thresholds.errorRate',
  'env.thresholds.errorBudget',
] as const;

const simplePaths = new Set<string>([
  ...environmentPaths,
  'version',
  'run.id',
  'run.operator',
  'deployment.id',
]);

/** Display filters: how a value reads in a title or guidance (thresholds are fractions in the config). */
const filters: Record<string, (value: unknown) => string | undefined> = {
  percent: (value) =>
    typeof value === 'number' && Number.isFinite(value)
      ? `${Number((value * 100).toPrecision(6))} %`
      : undefined,
};

/** `path | filter` split; the filter is undefined when there is none. */
function splitExpression(expression: string): { path: string; filter: string | undefined } {
  const bar = expression.indexOf('|');
  return bar === -1
    ? { path: expression.trim(), filter: undefined }
    : { path: expression.slice(0, bar).trim(), filter: expression.slice(bar + 1).trim() };
}

/** Every `${{ ... }}` expression in a text, in order. */
export function templateExpressions(text: string): string[] {
  return [...text.matchAll(PATTERN)].map((m) => m[1] ?? '');
}

/** A step output reference `steps.<id>.<field>` (a filter aside), split; undefined for anything else. */
export function stepReference(expression: string): { stepId: string; field: string } | undefined {
  const m = /^steps\.([a-z0-9][a-z0-9-]*)\.([A-Za-z][A-Za-z0-9]*)$/.exec(
    splitExpression(expression).path,
  );
  return m?.[1] !== undefined && m[2] !== undefined ? { stepId: m[1], field: m[2] } : undefined;
}

/** Why an expression is not usable, or undefined when it is (step references are checked by the loader). */
export function expressionProblem(expression: string): string | undefined {
  const { path, filter } = splitExpression(expression);
  if (filter !== undefined && !Object.hasOwn(filters, filter)) {
    return `unknown template filter '${filter}' in '${expression}' (expected one of ${Object.keys(filters).join(', ')})`;
  }
  if (simplePaths.has(path) || stepReference(path) !== undefined) return undefined;
  return `unknown template value '${path}' (expected one of ${[...simplePaths].join(', ')} or steps.<step-id>.<field>)`;
}

/** What templates are resolved against. A missing value renders as `<name>` in display text. */
export type TemplateContext = {
  lookup(expression: string): unknown;
};

function toText(value: unknown): string {
  if (Array.isArray(value)) return value.map(String).join(' ');
  return String(value);
}

/**
 * Fills a text. Values that are not known yet (a deployment id before CreateDeployment) render as a placeholder
 * `<deployment.id>`, which is what the operator sees in a command preview.
 */
export function renderText(text: string, context: TemplateContext): string {
  return text.replace(PATTERN, (_all, expression: string) => {
    const value = lookupFiltered(expression, context);
    return value === undefined || value === null
      ? `<${splitExpression(expression).path}>`
      : toText(value);
  });
}

/** The expression's value, through its filter when it has one (undefined when unknown or not filterable). */
function lookupFiltered(expression: string, context: TemplateContext): unknown {
  const { path, filter } = splitExpression(expression);
  const value = context.lookup(path);
  if (filter === undefined || value === undefined || value === null) return value;
  return filters[filter]?.(value);
}

/**
 * Resolves a parameter: a value that is one whole expression keeps its type (a list of CIDRs stays a list, a
 * number stays a number); anything else is text. Returns `missing` naming what is not known yet.
 */
export function resolveValue(
  value: unknown,
  context: TemplateContext,
): { ok: true; value: unknown } | { ok: false; missing: string } {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole?.[1] !== undefined) {
      const resolved = lookupFiltered(whole[1], context);
      return resolved === undefined || resolved === null
        ? { ok: false, missing: whole[1] }
        : { ok: true, value: resolved };
    }
    for (const expression of templateExpressions(value)) {
      const resolved = lookupFiltered(expression, context);
      if (resolved === undefined || resolved === null) return { ok: false, missing: expression };
    }
    return { ok: true, value: renderText(value, context) };
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const r = resolveValue(item, context);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  return { ok: true, value };
}

/** Reads a dotted path from an object (`resources.cluster`). */
export function readPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}
