import { requests, type ParsedInput, type RequestOutput } from '../../../shared/contract';
import { isRequestName, type RequestName } from '../../../shared/contract-names';
import { fail, ok, type Result } from '../../../shared/result';
import { describeIssues } from '../../../shared/validation';
import { toErrorShape } from '../errors';
import { createLogger } from '../log';

const log = createLogger('contract');

/**
 * The implementation of the contract: one function per request. Because the table is keyed by every request name,
 * a missing handler is a compile error, and a handler's types come from the contract's schemas.
 */
export type Handlers = {
  [K in RequestName]: (input: ParsedInput<K>) => Promise<RequestOutput<K>> | RequestOutput<K>;
};

export type Dispatch = (name: unknown, payload: unknown) => Promise<Result<unknown>>;

/**
 * Validates the name and the input, calls the handler and always answers with a Result: never throws, whatever
 * the renderer (or a page pretending to be it) sends. Both transports go through this one function.
 */
export function createDispatcher(handlers: Handlers): Dispatch {
  return async (name, payload) => {
    if (!isRequestName(name)) {
      return fail('unknown-request', `There is no request named ${JSON.stringify(name)}.`);
    }
    const parsed = requests[name].input.safeParse(payload ?? {});
    if (!parsed.success) {
      const problems = describeIssues(parsed.error);
      return fail('invalid-input', `${name}: ${problems.join('; ')}`, { problems });
    }
    try {
      const handler = handlers[name] as (input: unknown) => unknown;
      return ok(await handler(parsed.data));
    } catch (error) {
      const shape = toErrorShape(error);
      if (shape.code === 'internal') log.error(`${name} failed unexpectedly`, { message: shape.message });
      return { ok: false, error: shape };
    }
  };
}
