import type { CreateTableBuilder } from 'kysely';
import { assertNever, type SalesChannel } from '@kam/kernel';
import type { RepEvent } from '@kam/org';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import type { RecordedEvent } from '@kam/event-store';
import { EntityTable } from '../common/entity-table';
import { handledEvents, occurredAt, recordedAt } from '../common/events';
import { fromBool, indexName, toBool, toInt, toStr, toStrOrNull, type Row } from '../common/sql';

export const REPS_PROJECTION = 'reps';
export const REPS_TABLE = 'reps';
export const REP_VERSIONS_TABLE = 'rep_versions';

const EVENT_TYPES = [
  'RepHired',
  'RepTransferred',
  'RepChannelChanged',
  'RepQuotaSet',
  'RepOffboarded',
] as const satisfies ReadonlyArray<RepEvent['type']>;

/** A rep as stored (current row, or one state interval). */
export interface RepRow {
  id: string;
  name: string;
  email: string;
  teamId: string;
  channel: SalesChannel;
  active: boolean;
  hiredAt: string;
  offboardedAt: string | null;
  revision: number;
}

interface RepCurrent extends RepRow {
  updatedAt: string;
}

/** Reads a `reps` row or a `rep_versions` row (the id column differs). */
export function repFromRow(row: Row): RepRow {
  return {
    id: toStr(row.id ?? row.rep_id),
    name: toStr(row.name),
    email: toStr(row.email),
    teamId: toStr(row.team_id),
    channel: toStr(row.channel) as SalesChannel,
    active: toBool(row.active),
    hiredAt: toStr(row.hired_at),
    offboardedAt: toStrOrNull(row.offboarded_at),
    revision: toInt(row.revision),
  };
}

function snapshot(r: RepRow): Row {
  return {
    name: r.name,
    email: r.email,
    team_id: r.teamId,
    channel: r.channel,
    active: fromBool(r.active),
    hired_at: r.hiredAt,
    offboarded_at: r.offboardedAt,
    revision: r.revision,
  };
}

function repsTable(ctx: ProjectionContext): EntityTable<RepCurrent> {
  return new EntityTable<RepCurrent>({
    table: ctx.table(REPS_TABLE),
    key: 'id',
    fromRow: (row) => ({ ...repFromRow(row), updatedAt: toStr(row.updated_at) }),
    toRow: (r) => ({ ...snapshot(r), updated_at: r.updatedAt }),
    versions: { table: ctx.table(REP_VERSIONS_TABLE), key: 'rep_id', toRow: snapshot },
  });
}

type TableBuilder = CreateTableBuilder<string, string>;

async function createSnapshotColumns(
  db: ReadDb,
  table: string,
  key: string,
  extra: (b: TableBuilder) => TableBuilder,
): Promise<void> {
  let builder: TableBuilder = db.schema
    .createTable(table)
    .ifNotExists()
    .addColumn(key, 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('active', 'integer', (c) => c.notNull())
    .addColumn('hired_at', 'text', (c) => c.notNull())
    .addColumn('offboarded_at', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull());
  builder = extra(builder);
  await builder.execute();
}

/**
 * Reps: the current row per rep (`reps`) and its state intervals by business time
 * (`rep_versions`: valid_from inclusive, valid_to exclusive, null = still valid), so
 * `rep(id, asOf)` is one indexed lookup instead of a replay of the rep's stream.
 */
export const repsProjection: Projection = {
  name: REPS_PROJECTION,
  version: 1,
  tables: [REPS_TABLE, REP_VERSIONS_TABLE],
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const reps = ctx.table(REPS_TABLE);
    const versions = ctx.table(REP_VERSIONS_TABLE);
    await createSnapshotColumns(db, reps, 'id', (b) =>
      b
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint(indexName(reps, 'pk'), ['id']),
    );
    await createSnapshotColumns(db, versions, 'rep_id', (b) =>
      b
        .addColumn('valid_from', 'text', (c) => c.notNull())
        .addColumn('valid_to', 'text')
        .addPrimaryKeyConstraint(indexName(versions, 'pk'), ['rep_id', 'valid_from']),
    );
    await db.schema
      .createIndex(indexName(reps, 'team'))
      .ifNotExists()
      .on(reps)
      .columns(['team_id', 'id'])
      .execute();
    await db.schema
      .createIndex(indexName(reps, 'channel'))
      .ifNotExists()
      .on(reps)
      .columns(['channel', 'id'])
      .execute();
    // Team membership over time (who was in a team during a period).
    await db.schema
      .createIndex(indexName(versions, 'team'))
      .ifNotExists()
      .on(versions)
      .columns(['team_id', 'valid_from'])
      .execute();
  },

  async applyBatch(tx: ReadTx, batch: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const events = handledEvents<RepEvent>(batch, EVENT_TYPES);
    const reps = repsTable(ctx);
    await reps.prefetch(
      tx,
      events.map((e) => e.data.repId),
    );
    for (const event of events) {
      const id = event.data.repId;
      const at = occurredAt(event);
      const updatedAt = recordedAt(event);
      if (event.type === 'RepHired') {
        const { name, email, teamId, channel } = event.data;
        reps.put(
          id,
          {
            id,
            name,
            email,
            teamId,
            channel,
            active: true,
            hiredAt: at,
            offboardedAt: null,
            revision: event.revision,
            updatedAt,
          },
          at,
        );
        continue;
      }
      const rep = reps.peek(id);
      if (!rep) throw new Error(`${event.type} for unknown rep ${id}`);
      const next = { ...rep, revision: event.revision, updatedAt };
      switch (event.type) {
        case 'RepTransferred':
          next.teamId = event.data.teamId;
          break;
        case 'RepChannelChanged':
          next.channel = event.data.channel;
          break;
        case 'RepQuotaSet':
          // Quotas belong to the performance read models; the rep row only follows the revision.
          break;
        case 'RepOffboarded':
          next.active = false;
          next.offboardedAt = at;
          break;
        default:
          assertNever(event);
      }
      reps.put(id, next, at);
    }
    await reps.flush(tx);
  },
};
