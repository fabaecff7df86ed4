import { createHash, randomUUID } from 'node:crypto';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

export function newId(): string {
  return randomUUID();
}

/** kam-ledger's UUIDv5 namespace for ids derived from other ids. */
const NAMESPACE = Buffer.from('6f1c2b9e4d3a4b7c9e8f1a2b3c4d5e6f', 'hex');

/**
 * A deterministic UUIDv5 of `name` in kam-ledger's namespace. Event ids derive from the
 * command id and the event's index, so a retried append carries the same ids and the
 * store (SQLite or EventStoreDB) drops the duplicate.
 */
export function deterministicId(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function eventIdFor(commandId: string, index: number): string {
  return deterministicId(`event:${commandId}:${index}`);
}
