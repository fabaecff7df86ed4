import Database from 'better-sqlite3';
import { eventIdFor } from '@kam/kernel';
import type { SqliteEventRow } from '@kam/event-store';
import { MUTATION_CATEGORY, type Ack, type Rejection } from './workload';

/** One row of the embedded log exactly as stored (no upcasting). */
export interface RawEvent {
  position: number;
  id: string;
  streamId: string;
  revision: number;
  type: string;
  data: Record<string, any>;
  metadata: Record<string, any>;
  recordedAt: number;
}

/**
 * Reads `events.sqlite` read-only, as stored. Safe while the service runs (WAL readers never
 * block the writer) and after a SIGKILL (the WAL is replayed on open).
 */
export function readRawLog(file: string): RawEvent[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT position, id, stream_id, revision, type, data, metadata, recorded_at FROM events ORDER BY position').all() as SqliteEventRow[];
    return rows.map((r) => ({
      position: r.position,
      id: r.id,
      streamId: r.stream_id,
      revision: r.revision,
      type: r.type,
      data: JSON.parse(r.data) as Record<string, any>,
      metadata: JSON.parse(r.metadata) as Record<string, any>,
      recordedAt: r.recorded_at,
    }));
  } finally {
    db.close();
  }
}

export interface AuditReport {
  events: number;
  streams: number;
  commands: number;
  acksChecked: number;
  problems: string[];
}

/**
 * The log's own invariants, and the ledger against it:
 * - event ids unique; per stream, revisions 0..n-1 in log order (nothing stored twice, no gap);
 * - per commandId, its events form one batch in one stream: ids eventIdFor(commandId, 0..k-1) at
 *   consecutive revisions (a command appended exactly once, never half);
 * - every acknowledged command is in the log where its answer said (stream, revision, position),
 *   and a command that wrote events answered with its last one;
 * - a refused command wrote nothing.
 */
export function auditLog(events: readonly RawEvent[], acks: readonly Ack[] = [], rejections: readonly Rejection[] = []): AuditReport {
  const problems: string[] = [];
  const add = (problem: string): void => {
    if (problems.length < 50) problems.push(problem);
  };
  const ids = new Set<string>();
  const nextRevision = new Map<string, number>();
  const byPosition = new Map<number, RawEvent>();
  const byCommand = new Map<string, RawEvent[]>();
  let lastPosition = 0;
  for (const event of events) {
    if (event.position <= lastPosition) add(`position ${event.position} not after ${lastPosition}`);
    lastPosition = event.position;
    if (ids.has(event.id)) add(`event id ${event.id} stored twice`);
    ids.add(event.id);
    const expected = nextRevision.get(event.streamId) ?? 0;
    if (event.revision !== expected) add(`${event.streamId}: revision ${event.revision} at position ${event.position}, expected ${expected}`);
    nextRevision.set(event.streamId, event.revision + 1);
    byPosition.set(event.position, event);
    const commandId = event.metadata.commandId as string | undefined;
    if (!commandId) add(`event at ${event.position} has no commandId`);
    else byCommand.set(commandId, [...(byCommand.get(commandId) ?? []), event]);
  }
  for (const [commandId, written] of byCommand) {
    const first = written[0]!;
    written.forEach((event, index) => {
      if (event.streamId !== first.streamId) add(`command ${commandId} wrote to ${first.streamId} and ${event.streamId}`);
      if (event.revision !== first.revision + index) add(`command ${commandId}: events not one batch in ${first.streamId}`);
      if (event.id !== eventIdFor(commandId, index)) add(`command ${commandId}: event ${index} has id ${event.id}, not the one derived from the command (appended twice?)`);
    });
  }
  for (const ack of acks) {
    const category = MUTATION_CATEGORY[ack.mutation];
    const streamId = `${category}-${ack.result.id}`;
    const at = byPosition.get(Number(ack.result.position));
    if (!at) {
      add(`acknowledged ${ack.mutation} ${ack.input.commandId} → position ${ack.result.position} is not in the log`);
      continue;
    }
    if (at.streamId !== streamId || at.revision !== ack.result.revision) {
      add(`acknowledged ${ack.mutation} ${ack.input.commandId}: position ${ack.result.position} holds ${at.streamId}@${at.revision}, answer said ${streamId}@${ack.result.revision}`);
    }
    const written = byCommand.get(ack.input.commandId);
    if (written) {
      const last = written[written.length - 1]!;
      if (last.position !== Number(ack.result.position)) {
        add(`acknowledged ${ack.mutation} ${ack.input.commandId}: answered position ${ack.result.position}, its last event is at ${last.position}`);
      }
    }
  }
  for (const rejection of rejections) {
    if (byCommand.has(rejection.input.commandId)) {
      add(`refused ${rejection.mutation} ${rejection.input.commandId} (${rejection.code}) has events in the log`);
    }
  }
  return { events: events.length, streams: nextRevision.size, commands: byCommand.size, acksChecked: acks.length, problems };
}

/** commandIds present in the log. */
export function commandIdsOf(events: readonly RawEvent[]): Set<string> {
  return new Set(events.map((e) => e.metadata.commandId as string));
}

/**
 * Resolves as soon as an event whose commandId starts with `prefix` is committed to the log
 * (polled read-only every millisecond or two), or with false after `timeoutMs`: a kill point
 * inside a command's writes.
 */
export async function waitForCommandInLog(file: string, prefix: string, timeoutMs: number): Promise<boolean> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const find = db.prepare(`SELECT 1 FROM events WHERE json_extract(metadata, '$.commandId') LIKE ? || '%' ORDER BY position DESC LIMIT 1`);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (find.get(prefix)) return true;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    return false;
  } finally {
    db.close();
  }
}
