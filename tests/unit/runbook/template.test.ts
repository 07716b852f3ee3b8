import { describe, expect, it } from 'vitest';
import {
  renderText,
  resolveValue,
  type TemplateContext,
} from '../../../src/main/core/runbook/template';

const context = (values: Record<string, unknown>): TemplateContext => ({
  lookup: (expression) => values[expression],
});

describe('runbook templates', () => {
  it('fills values and shows what is not known yet as a placeholder', () => {
    const c = context({ version: '1.5.1' });
    expect(renderText('Image ${{ version }} to ${{ deployment.id }}', c)).toBe(
      'Image 1.5.1 to <deployment.id>',
    );
  });

  it.each([
    [0.1, '10 %'],
    [0.01, '1 %'],
    [0.005, '0.5 %'],
    [0.07, '7 %'],
    [1, '100 %'],
  ])('shows the fraction %s as %s through the percent filter', (fraction, shown) => {
    const c = context({ 'env.thresholds.errorRate': fraction });
    expect(renderText('errors < ${{ env.thresholds.errorRate | percent }}', c)).toBe(
      `errors < ${shown}`,
    );
  });

  it('does not pretend a value that is not a number is a percentage', () => {
    const c = context({ version: '1.5.1' });
    expect(renderText('${{ version | percent }}', c)).toBe('<version>');
    expect(resolveValue('${{ version | percent }}', c)).toEqual({
      ok: false,
      missing: 'version | percent',
    });
  });

  it('keeps a whole-expression parameter typed, and filters it into text', () => {
    const c = context({ 'env.permittedCidrs': ['10.0.0.0/8'], 'env.thresholds.errorBudget': 0.1 });
    expect(resolveValue('${{ env.permittedCidrs }}', c)).toEqual({
      ok: true,
      value: ['10.0.0.0/8'],
    });
    expect(resolveValue('${{ env.thresholds.errorBudget | percent }}', c)).toEqual({
      ok: true,
      value: '10 %',
    });
  });
});
