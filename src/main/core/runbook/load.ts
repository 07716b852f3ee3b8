import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { StepKind } from '../../../shared/domain/run';
import { AppError } from '../errors';
import { resourcesDir } from '../paths';
import {
  keyPathText,
  lineOf,
  parseLocatedYaml,
  zodIssueProblem,
  type YamlProblem,
} from '../yaml-errors';
import {
  isOperationName,
  operations,
  thresholdNames,
  thresholdRanges,
  type ThresholdName,
} from './operations';
import { expressionProblem, stepReference, templateExpressions } from './template';
import type { Runbook, RunbookStep } from './types';

/** The default runbook shipped with Greenlight: the Fixnado blue/green playbook as data. */
export const defaultRunbookFile = (): string =>
  join(resourcesDir(), 'runbooks', 'fixnado-backend.yaml');

const id = z
  .string({ error: 'expected an id (lowercase letters, digits and dashes)' })
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    error: 'expected an id of lowercase letters, digits and dashes',
  });
const text = (what: string) =>
  z
    .string({ error: `expected ${what}` })
    .trim()
    .min(1, { error: `expected ${what}` });
const paramValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string())], {
  error: 'expected a string, a number, a boolean or a list of strings',
});

const stepSchema = z.strictObject({
  id,
  section: id,
  title: text('a title'),
  kind: StepKind,
  run: z
    .strictObject({
      operation: z.string({ error: 'expected an operation name' }),
      params: z.record(z.string(), paramValue).default({}),
    })
    .optional(),
  requires: z.array(id, { error: 'expected a list of step ids' }).default([]),
  thresholds: z.record(z.string(), z.union([z.number(), z.string()])).default({}),
  evidence: z
    .array(text('a piece of evidence'), { error: 'expected a list of evidence kept' })
    .default([]),
  guidance: text('operator guidance text'),
  command: z.string().optional(),
  statement: z.string().optional(),
  when: z.enum(['always', 'on-demand', 'after-rollback']).default('always'),
  optional: z.boolean().default(false),
});

const fileSchema = z.strictObject({
  runbook: z.strictObject({
    id,
    title: text('a title'),
    version: z.literal(1, { error: 'expected version: 1' }),
  }),
  sections: z
    .array(z.strictObject({ id, title: text('a section title') }))
    .min(1, { error: 'expected sections' }),
  steps: z.array(stepSchema).min(1, { error: 'expected steps' }),
});

/** One problem with a runbook file: where (line, key path) and what was expected. */
export type RunbookProblem = YamlProblem;

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  if (issue.code === 'invalid_value' && issue.path.at(-1) === 'kind') {
    return `unknown step kind (expected one of ${StepKind.options.join(', ')})`;
  }
  return issue.message;
}

function checkThreshold(name: ThresholdName, value: number | string): string | undefined {
  const range = thresholdRanges[name];
  if (typeof value === 'string') {
    const expressions = templateExpressions(value);
    if (expressions.length !== 1 || !/^\$\{\{.*\}\}$/.test(value.trim())) {
      return `threshold ${name}: expected ${range.what} or a \${{ env.thresholds.* }} reference, got '${value}'`;
    }
    const expression = expressions[0] ?? '';
    if (!expression.startsWith('env.thresholds.') || expression.includes('|')) {
      return `threshold ${name}: a template threshold must be a plain env.thresholds.* value (no filter), got '${expression}'`;
    }
    return expressionProblem(expression);
  }
  const ok =
    Number.isFinite(value) &&
    (range.exclusiveMin ? value > range.min : value >= range.min) &&
    value <= range.max &&
    (!range.integer || Number.isInteger(value));
  return ok
    ? undefined
    : `threshold ${name}: expected ${range.what} (at most ${range.max}), got ${value}`;
}

/**
 * Parses and validates a runbook. Every problem is collected with its line; the error (AppError `runbook-invalid`)
 * names the first with `file:line: key: message` and carries all of them in `detail.problems`. Refused: YAML
 * errors, unknown keys, an unknown step kind or operation, an operation used by the wrong kind, a missing or
 * unknown parameter, a duplicate step id, an unknown section, a prerequisite that does not exist, a cycle of
 * prerequisites, a threshold out of range or unknown to the operation, a template that names an unknown value or
 * the output of a step that is not among the prerequisites.
 */
export function parseRunbook(source: string, file: string): Runbook {
  const yaml = parseLocatedYaml(source);
  const fail = (problems: RunbookProblem[]): never => {
    const [first] = problems;
    const where = (p: RunbookProblem | undefined): string =>
      p === undefined
        ? file
        : `${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.path}: ${p.message}`;
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})`
        : '';
    throw new AppError('runbook-invalid', `${where(first)}${more}`, { file, problems });
  };
  if (yaml.syntaxProblem !== undefined) fail([yaml.syntaxProblem]);
  const parsed = fileSchema.safeParse(yaml.doc.toJS() ?? {});
  if (!parsed.success) {
    fail(parsed.error.issues.map((issue) => zodIssueProblem(yaml, issue, describeIssue)));
    throw new Error('unreachable');
  }
  const data = parsed.data;
  const problems: RunbookProblem[] = [];
  const at = (path: (string | number)[], message: string): void => {
    problems.push({ line: lineOf(yaml, path), path: keyPathText(path), message });
  };

  const sectionIds = new Set<string>();
  data.sections.forEach((s, i) => {
    if (sectionIds.has(s.id)) at(['sections', i, 'id'], `duplicate section id '${s.id}'`);
    sectionIds.add(s.id);
  });
  const index = new Map<string, number>();
  data.steps.forEach((s, i) => {
    if (index.has(s.id))
      at(['steps', i, 'id'], `duplicate step id '${s.id}' (first at steps[${index.get(s.id)}])`);
    else index.set(s.id, i);
  });

  data.steps.forEach((s, i) => {
    const base: (string | number)[] = ['steps', i];
    if (!sectionIds.has(s.section))
      at(
        [...base, 'section'],
        `unknown section '${s.section}' (sections: ${[...sectionIds].join(', ')})`,
      );
    for (const [j, r] of s.requires.entries()) {
      if (!index.has(r))
        at([...base, 'requires', j], `prerequisite '${r}' is not a step of this runbook`);
      if (r === s.id) at([...base, 'requires', j], `step '${s.id}' requires itself`);
    }
    if (s.kind === 'attestation') {
      if (s.run !== undefined)
        at([...base, 'run'], 'an attestation runs nothing (a person confirms it); remove run');
    } else if (s.run === undefined) {
      at(base, `a ${s.kind} step needs run: { operation, params }`);
    } else if (!isOperationName(s.run.operation)) {
      at(
        [...base, 'run', 'operation'],
        `unknown operation '${s.run.operation}' (known: ${Object.keys(operations).join(', ')})`,
      );
    } else {
      const spec = operations[s.run.operation];
      if (!(spec.kinds as readonly string[]).includes(s.kind)) {
        at(
          [...base, 'kind'],
          `operation ${s.run.operation} is for a ${spec.kinds.join(' or ')} step, not a ${s.kind}`,
        );
      }
      for (const p of spec.required) {
        if (!(p in s.run.params))
          at([...base, 'run', 'params'], `operation ${s.run.operation} needs parameter '${p}'`);
      }
      const allowed = new Set<string>([...spec.required, ...spec.optional]);
      for (const p of Object.keys(s.run.params)) {
        if (!allowed.has(p))
          at(
            [...base, 'run', 'params', p],
            `operation ${s.run.operation} takes no parameter '${p}' (takes: ${[...allowed].join(', ') || 'none'})`,
          );
      }
      for (const t of Object.keys(s.thresholds)) {
        if (!(spec.thresholds as readonly string[]).includes(t)) {
          at(
            [...base, 'thresholds', t],
            `operation ${s.run.operation} has no threshold '${t}' (has: ${spec.thresholds.join(', ') || 'none'})`,
          );
        }
      }
    }
    for (const [name, value] of Object.entries(s.thresholds)) {
      if (!(thresholdNames as string[]).includes(name)) {
        if (s.run === undefined)
          at(
            [...base, 'thresholds', name],
            `unknown threshold '${name}' (known: ${thresholdNames.join(', ')})`,
          );
        continue;
      }
      const problem = checkThreshold(name as ThresholdName, value);
      if (problem !== undefined) at([...base, 'thresholds', name], problem);
    }
  });

  // Cycles: depth-first search over `requires`; report the cycle once, at the line of the step that closes it.
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (stepId: string, trail: string[]): void => {
    const i = index.get(stepId);
    if (i === undefined) return;
    if (state.get(stepId) === 'done') return;
    if (state.get(stepId) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(stepId)), stepId];
      const key = [...cycle].sort().join(',');
      if (!reported.has(key)) {
        reported.add(key);
        const closer = trail.at(-1) ?? stepId;
        const ci = index.get(closer) ?? i;
        const ri = data.steps[ci]?.requires.indexOf(stepId) ?? -1;
        at(
          ri >= 0 ? ['steps', ci, 'requires', ri] : ['steps', ci],
          `prerequisites form a cycle: ${cycle.join(' -> ')}`,
        );
      }
      return;
    }
    state.set(stepId, 'visiting');
    for (const r of data.steps[i]?.requires ?? []) visit(r, [...trail, stepId]);
    state.set(stepId, 'done');
  };
  for (const s of data.steps) visit(s.id, []);

  // Templates: known values only; a step output must come from a (transitive) prerequisite.
  const ancestors = (stepId: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(data.steps[index.get(stepId) ?? -1]?.requires ?? [])];
    while (stack.length > 0) {
      const next = stack.pop() as string;
      if (seen.has(next)) continue;
      seen.add(next);
      stack.push(...(data.steps[index.get(next) ?? -1]?.requires ?? []));
    }
    return seen;
  };
  data.steps.forEach((s, i) => {
    const texts: { path: (string | number)[]; value: string }[] = [];
    for (const [name, value] of Object.entries(s.run?.params ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === 'string')
          texts.push({ path: ['steps', i, 'run', 'params', name], value: v });
      }
    }
    if (s.command !== undefined) texts.push({ path: ['steps', i, 'command'], value: s.command });
    texts.push({ path: ['steps', i, 'guidance'], value: s.guidance });
    texts.push({ path: ['steps', i, 'title'], value: s.title });
    if (s.statement !== undefined)
      texts.push({ path: ['steps', i, 'statement'], value: s.statement });
    const before = ancestors(s.id);
    for (const t of texts) {
      for (const expression of templateExpressions(t.value)) {
        const problem = expressionProblem(expression);
        if (problem !== undefined) {
          at(t.path, problem);
          continue;
        }
        const ref = stepReference(expression);
        if (ref !== undefined && !before.has(ref.stepId)) {
          at(
            t.path,
            `'${expression}' uses the output of step '${ref.stepId}', which is not among this step's prerequisites`,
          );
        }
      }
    }
  });

  if (problems.length > 0) {
    problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    fail(problems);
  }

  const steps: RunbookStep[] = data.steps.map((s, i) => ({
    id: s.id,
    section: s.section,
    title: s.title,
    kind: s.kind,
    operation:
      s.run !== undefined && isOperationName(s.run.operation) ? s.run.operation : undefined,
    params: s.run?.params ?? {},
    requires: s.requires,
    thresholds: s.thresholds,
    evidence: s.evidence,
    guidance: s.guidance.trim(),
    command: s.command?.trim(),
    statement: s.statement?.trim() ?? (s.kind === 'attestation' ? s.title : undefined),
    when: s.when,
    optional: s.optional,
    line: lineOf(yaml, ['steps', i]) ?? 0,
  }));
  return {
    id: data.runbook.id,
    title: data.runbook.title,
    sections: data.sections,
    steps,
    hash: `sha256:${createHash('sha256').update(source, 'utf8').digest('hex')}`,
    source: file,
  };
}

/** Reads and validates a runbook file (default: the shipped Fixnado runbook). */
export async function loadRunbook(file: string = defaultRunbookFile()): Promise<Runbook> {
  const path = resolve(file);
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw new AppError(
      'runbook-unreadable',
      `The runbook ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      {
        file: path,
      },
    );
  }
  return parseRunbook(source, path);
}
