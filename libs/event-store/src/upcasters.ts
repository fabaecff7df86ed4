import type { RecordedEvent } from './event-store.port';

/**
 * Upcasters turn an event stored with an older `schemaVersion` into the latest shape on read,
 * so code only ever sees current events. Register one per (type, fromVersion); they chain.
 */
export interface Upcaster {
  type: string;
  fromVersion: number;
  upcast(data: unknown, event: RecordedEvent): unknown;
}

export class UpcasterRegistry {
  private readonly byKey = new Map<string, Upcaster>();

  register(upcaster: Upcaster): this {
    const key = `${upcaster.type}@${upcaster.fromVersion}`;
    if (this.byKey.has(key)) throw new Error(`Upcaster for ${key} registered twice`);
    this.byKey.set(key, upcaster);
    return this;
  }

  apply(event: RecordedEvent): RecordedEvent {
    let version = event.metadata.schemaVersion ?? 1;
    let data = event.data;
    let upcaster = this.byKey.get(`${event.type}@${version}`);
    if (!upcaster) return event;
    while (upcaster) {
      data = upcaster.upcast(data, event);
      version += 1;
      upcaster = this.byKey.get(`${event.type}@${version}`);
    }
    return { ...event, data, metadata: { ...event.metadata, schemaVersion: version } };
  }
}
