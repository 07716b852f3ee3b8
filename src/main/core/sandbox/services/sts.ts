import type { Operation } from './types';

/** STS GetCallerIdentity: the sandbox operator's SSO role session. */
export const getCallerIdentity: Operation = (_input, { world }) => ({
  UserId: world.caller.userId,
  Account: world.accountId,
  Arn: world.caller.arn,
});
