/**
 * The plain lists of request and event names: all the preload imports (it runs sandboxed and must stay tiny).
 * contract.ts is checked against these lists at compile time, so they cannot drift apart.
 */
export const requestNames = [
  'app.info',
  'env.status',
  'env.login',
  'run.list',
  'run.start',
  'run.get',
  'run.step',
  'run.cancel',
  'run.override',
  'run.attest',
  'run.approve',
  'run.rollback',
  'run.terminateBlue',
  'journal.list',
  'artifact.get',
  'vault.export',
  'vault.verify',
  'notify.preview',
  'notify.send',
] as const;
export const eventNames = ['app.progress', 'run.updated', 'journal.appended'] as const;

export type RequestName = (typeof requestNames)[number];
export type EventName = (typeof eventNames)[number];

/** IPC channel of a request; events all travel on one channel with the event name in the message. */
export const requestChannel = (name: RequestName): string => `greenlight:${name}`;
export const eventChannel = 'greenlight:event';

export const isRequestName = (name: unknown): name is RequestName =>
  typeof name === 'string' && (requestNames as readonly string[]).includes(name);
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && (eventNames as readonly string[]).includes(name);
