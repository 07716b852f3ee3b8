import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/main/core/errors';
import { ancestorsOf } from '../../../src/main/core/runbook/derive';
import {
  defaultRunbookFile,
  loadRunbook,
  parseRunbook,
  type RunbookProblem,
} from '../../../src/main/core/runbook/load';

const shipped = readFileSync(defaultRunbookFile(), 'utf8');

/** A small valid runbook; tests break one thing in it at a time. */
const base = `runbook:
  id: tiny
  title: Tiny
  version: 1
sections:
  - id: one
    title: One
steps:
  - id: signed-in
    section: one
    title: Signed in
    kind: check
    run:
      operation: aws.identity
    guidance: Sign in.
  - id: smoke
    section: one
    title: Smoke
    kind: gate
    requires: [signed-in]
    run:
      operation: smoke.newman
      params:
        baseUrl: \${{ env.validationUrl }}
    thresholds:
      maxFailures: 0
    guidance: Run the smoke collection.
  - id: approve
    section: one
    title: Approve
    kind: action
    requires: [smoke]
    run:
      operation: codedeploy.approve
    guidance: Approve.
`;

function refusal(text: string): { message: string; problems: RunbookProblem[] } {
  try {
    parseRunbook(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    const e = error as AppError;
    expect(e.code).toBe('runbook-invalid');
    return { message: e.message, problems: (e.detail as { problems: RunbookProblem[] }).problems };
  }
  throw new Error('the runbook was accepted');
}

/** The 1-based line of the first line containing `needle`. */
const lineOf = (text: string, needle: string): number =>
  text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('the shipped runbook', () => {
  it('loads, with all seven playbook sections holding steps and its hash', async () => {
    const rb = await loadRunbook();
    expect(rb.id).toBe('fixnado-backend');
    expect(rb.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rb.sections.map((s) => s.title)).toEqual([
      '1. Prerequisites',
      '2. Pre-deployment checks',
      '3. Kick off CodeDeploy deployment',
      '4. Validation on the green fleet',
      '5. Post-deployment verification',
      '6. Rollback procedure',
      '7. Communication',
    ]);
    for (const section of rb.sections)
      expect(rb.steps.some((s) => s.section === section.id)).toBe(true);
  });

  it('keeps the human facts as attestations', async () => {
    const rb = await loadRunbook();
    const attested = rb.steps.filter((s) => s.kind === 'attestation').map((s) => s.id);
    for (const id of [
      'cab-approver-present',
      'oncall-acknowledged',
      'terraform-no-drift',
      'error-budget',
      'confluence-updated',
    ]) {
      expect(attested).toContain(id);
    }
  });

  it('writes the AWS commands in the shapes AWS accepts, not the playbook copy-paste ones', async () => {
    const rb = await loadRunbook();
    const command = (id: string): string => rb.steps.find((s) => s.id === id)?.command ?? '';
    expect(command('create-deployment')).toContain('--revision');
    expect(command('create-deployment')).toContain('AppSpecContent');
    expect(command('create-deployment')).not.toContain('--ecs-services');
    expect(command('create-deployment')).not.toContain('--task-definition');
    expect(command('approve-traffic-shift')).toContain(
      'continue-deployment --deployment-id ${{ deployment.id }} --deployment-wait-type READY_WAIT',
    );
    expect(command('manual-rollback')).toContain(
      'stop-deployment --deployment-id ${{ deployment.id }} --auto-rollback-enabled',
    );
    expect(command('no-active-deployment')).toContain(
      '--include-only-statuses Created Queued InProgress Baking Ready',
    );
    expect(command('deployment-ready')).not.toContain('endTime');
  });

  it('never lets an AWS change happen before every pre-check and attestation', async () => {
    const rb = await loadRunbook();
    const register = rb.steps.find((s) => s.operation === 'ecs.register-task-definition');
    const before = rb.steps.filter(
      (s) => ['prerequisites', 'pre-deployment'].includes(s.section) && s.when === 'always',
    );
    const ancestors = ancestorsOf(rb, register?.id ?? '');
    for (const s of before) expect([...ancestors]).toContain(s.id);
    expect([...ancestors]).toContain('no-active-deployment');
  });

  it('has a different hash when one byte changes', () => {
    const a = parseRunbook(shipped, 'a.yaml');
    const b = parseRunbook(
      shipped.replace('Fixnado backend blue/green release', 'Fixnado backend blue/green release!'),
      'b.yaml',
    );
    expect(a.hash).not.toBe(b.hash);
  });
});

describe('a broken runbook is refused with the line', () => {
  it('accepts the base runbook', () => {
    expect(parseRunbook(base, 'test.yaml').steps).toHaveLength(3);
  });

  it('refuses a cycle of prerequisites', () => {
    const text = base.replace('requires: [signed-in]', 'requires: [signed-in, approve]');
    const { message, problems } = refusal(text);
    expect(message).toMatch(/cycle: .*smoke.*approve.*smoke|cycle: .*approve.*smoke.*approve/);
    expect(problems[0]?.line).toBe(lineOf(text, 'requires: [smoke]'));
    expect(message).toContain(`test.yaml:${problems[0]?.line}`);
  });

  it('refuses an unknown step kind', () => {
    const text = base.replace('kind: gate', 'kind: gateway');
    const { message, problems } = refusal(text);
    expect(message).toContain('unknown step kind');
    expect(problems[0]?.line).toBe(lineOf(text, 'kind: gateway'));
    expect(problems[0]?.path).toBe('steps[1].kind');
  });

  it('refuses an unknown operation', () => {
    const text = base.replace('operation: aws.identity', 'operation: aws.whoami');
    const { message, problems } = refusal(text);
    expect(message).toContain("unknown operation 'aws.whoami'");
    expect(problems[0]?.line).toBe(lineOf(text, 'aws.whoami'));
  });

  it('refuses a prerequisite that is not a step', () => {
    const text = base.replace('requires: [smoke]', 'requires: [smoke-tests]');
    const { message, problems } = refusal(text);
    expect(message).toContain("prerequisite 'smoke-tests' is not a step");
    expect(problems[0]?.line).toBe(lineOf(text, 'requires: [smoke-tests]'));
  });

  it.each([
    ['maxFailures: -1', 'maxFailures'],
    ['maxFailures: 0.5', 'maxFailures'],
    ['maxFailures: lots', 'maxFailures'],
  ])('refuses a bad threshold (%s)', (bad, name) => {
    const text = base.replace('maxFailures: 0', bad);
    const { message, problems } = refusal(text);
    expect(message).toContain(`threshold ${name}`);
    expect(problems[0]?.line).toBe(lineOf(text, bad));
  });

  it('refuses a threshold out of range on a load gate and one the operation does not have', () => {
    const text = base
      .replace('operation: smoke.newman', 'operation: probe.load')
      .replace('baseUrl:', 'url:')
      .replace('maxFailures: 0', 'errorRate: 1.5\n      p95Ms: 0');
    const { problems } = refusal(text);
    const messages = problems.map((p) => p.message).join('\n');
    expect(messages).toContain('threshold errorRate: expected a fraction between 0 and 1');
    expect(messages).toContain('threshold p95Ms: expected a p95 latency in milliseconds');
    expect(problems.find((p) => p.message.includes('errorRate'))?.line).toBe(
      lineOf(text, 'errorRate: 1.5'),
    );
  });

  it('refuses an operation used by the wrong kind, a missing parameter and an unknown key', () => {
    expect(refusal(base.replace('kind: action', 'kind: check')).message).toContain(
      'operation codedeploy.approve is for a action step',
    );
    expect(refusal(base.replace('baseUrl: ${{ env.validationUrl }}', 'base: x')).message).toMatch(
      /needs parameter 'baseUrl'|takes no parameter 'base'/,
    );
    const text = base.replace('guidance: Approve.', 'guidance: Approve.\n    colour: green');
    const r = refusal(text);
    expect(r.message).toContain("unknown key 'colour'");
    expect(r.problems[0]?.line).toBe(lineOf(text, '- id: approve'));
  });

  it('refuses a template naming an unknown value or the output of a step that is not a prerequisite', () => {
    const unknown = refusal(base.replace('${{ env.validationUrl }}', '${{ env.validationURL }}'));
    expect(unknown.message).toContain("unknown template value 'env.validationURL'");
    const unknownFilter = refusal(
      base.replace('guidance: Sign in.', 'guidance: Sign in ${{ version | upper }}.'),
    );
    expect(unknownFilter.message).toContain(
      "unknown template filter 'upper' in 'version | upper' (expected one of percent)",
    );
    const notBefore = refusal(
      base.replace('guidance: Sign in.', 'guidance: Sign in as ${{ steps.approve.actor }}.'),
    );
    expect(notBefore.message).toContain(
      "uses the output of step 'approve', which is not among this step's prerequisites",
    );
  });

  it('refuses YAML that does not parse, with its line', () => {
    const text = base.replace('    title: Smoke', '    title: [Smoke');
    const { problems } = refusal(text);
    expect(problems[0]?.path).toBe('(yaml)');
    expect(problems[0]?.line).toBeGreaterThan(0);
  });
});
