import { isScenarioName, scenarioNames, type ScenarioName } from '../sandbox/scenarios';
import { UsageError } from './command';

/** `--scenario NAME`: one of the sandbox's scenarios, or undefined when the flag is absent. */
export function scenarioFlag(value: string): ScenarioName;
export function scenarioFlag(value: string | undefined): ScenarioName | undefined;
export function scenarioFlag(value: string | undefined): ScenarioName | undefined {
  if (value === undefined) return undefined;
  if (!isScenarioName(value)) {
    throw new UsageError(
      `--scenario: expected one of ${scenarioNames.join(', ')}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `--time-scale N`: the sandbox clock's speed, a positive number; undefined when the flag is absent. */
export function timeScaleFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new UsageError(`--time-scale: expected a positive number, got ${JSON.stringify(value)}`);
  }
  return scale;
}
