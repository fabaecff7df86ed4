import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '../envelope';

/**
 * Metadata of an event appended straight to a log by a test: a command of its own (correlation and
 * causation are the command id), schema version 1.
 */
export function testMetadata(actor: string, occurredAt: string, commandId: string = randomUUID()): EventMetadata {
  return { commandId, correlationId: commandId, causationId: commandId, actor, occurredAt, schemaVersion: 1 };
}
