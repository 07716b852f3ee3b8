import { events, type EventPayload } from '../../../shared/contract';
import type { EventName } from '../../../shared/contract-names';

export type EventListener = (name: EventName, payload: unknown) => void;

/**
 * Pushes contract events from core to whichever transports are attached. Payloads are checked against the
 * contract on the way out, so a renderer never receives a shape it was not promised.
 */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    const checked = events[name].parse(payload);
    for (const listener of this.listeners) listener(name, checked);
  }

  /** Returns the function that detaches the listener. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
