// Subscribes the store's event log to a run's event bus (the web page reads it); returns the unsubscribe.
import type { RunEventBus } from '../events.js';
import type { Store } from '../store/store.js';

export function writeEventsToStore(bus: RunEventBus, store: Store): () => void {
  return bus.onAny((event) => {
    const { type, ...payload } = event;
    store.appendEvent(payload.runId, type, payload);
  });
}
