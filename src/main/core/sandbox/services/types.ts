import type { Engine } from '../engine';
import type { Body } from '../validate';
import type { WorldFixture } from '../world';

/** What an operation handler gets: the engine (already advanced to `now`), the fixture and sandbox time. */
export type OperationContext = { engine: Engine; world: WorldFixture; now: number };

/**
 * One AWS operation: validates everything first and throws an `AwsFault` before touching state, so a rejected
 * call never changes anything; returns the reply's members (timestamps already in the wire format).
 */
export type Operation = (input: Body, ctx: OperationContext) => unknown;
