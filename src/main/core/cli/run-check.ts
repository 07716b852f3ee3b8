import { AppError } from '../errors';
import { UsageError } from './command';

/**
 * Runs a check (smoke, probe) for a CLI command: Ctrl-C cancels it through the signal, a field the check refuses
 * (`invalid_input`) becomes a UsageError naming the command's flag for that field, and a cancelled check prints
 * `greenlight <command>: cancelled`. Returns the result, or `undefined` when it was cancelled (exit 130).
 */
export async function runCheckFromCli<T>(
  command: string,
  flagForField: Readonly<Record<string, string>>,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } catch (error) {
    if (error instanceof AppError && error.code === 'invalid_input') {
      const raw = error.detail?.['field'];
      const field = typeof raw === 'string' ? raw : '';
      throw new UsageError(`${flagForField[field] ?? field}: ${error.message}`);
    }
    if (error instanceof AppError && error.code === 'check_cancelled') {
      process.stderr.write(`greenlight ${command}: cancelled\n`);
      return undefined;
    }
    throw error;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
