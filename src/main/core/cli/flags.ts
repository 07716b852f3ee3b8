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

/** `--port N`: a TCP port 0-65535 written in digits (0: a free port); undefined when the flag is absent. */
export function portFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65535) {
    throw new UsageError(`--port: expected a port number 0-65535, got ${JSON.stringify(value)}`);
  }
  return port;
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
