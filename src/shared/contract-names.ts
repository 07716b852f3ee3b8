/**
 * The plain lists of request and event names: all the preload imports (it runs sandboxed and must stay tiny).
 * contract.ts is checked against these lists at compile time, so they cannot drift apart.
 */
export const requestNames = ['app.info'] as const;
export const eventNames = ['app.progress'] as const;

export type RequestName = (typeof requestNames)[number];
export type EventName = (typeof eventNames)[number];

/** IPC channel of a request; events all travel on one channel with the event name in the message. */
export const requestChannel = (name: RequestName): string => `greenlight:${name}`;
export const eventChannel = 'greenlight:event';

export const isRequestName = (name: unknown): name is RequestName =>
  typeof name === 'string' && (requestNames as readonly string[]).includes(name);
export const isEventName = (name: unknown): name is EventName =>
  typeof name === 'string' && (eventNames as readonly string[]).includes(name);
