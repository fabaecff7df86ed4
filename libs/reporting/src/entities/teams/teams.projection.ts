import { assertNever } from '@kam/kernel';
import type { TeamEvent } from '@kam/org';
import type { Projection, ProjectionContext, ReadDb, ReadTx } from '@kam/read-store';
import type { RecordedEvent } from '@kam/event-store';
import { EntityTable } from '../common/entity-table';
import { handledEvents, occurredAt, recordedAt } from '../common/events';
import { indexName, toInt, toStr } from '../common/sql';

export const TEAMS_PROJECTION = 'teams';
export const TEAMS_TABLE = 'teams';

const EVENT_TYPES = ['TeamFormed', 'TeamRenamed', 'TeamSupervisorChanged'] as const satisfies ReadonlyArray<
  TeamEvent['type']
>;

export interface TeamRow {
  id: string;
  name: string;
  supervisorId: string;
  revision: number;
  formedAt: string;
  updatedAt: string;
}

export function teamFromRow(row: Record<string, unknown>): TeamRow {
  return {
    id: toStr(row.id),
    name: toStr(row.name),
    supervisorId: toStr(row.supervisor_id),
    revision: toInt(row.revision),
    formedAt: toStr(row.formed_at),
    updatedAt: toStr(row.updated_at),
  };
}

function teamsTable(ctx: ProjectionContext): EntityTable<TeamRow> {
  return new EntityTable<TeamRow>({
    table: ctx.table(TEAMS_TABLE),
    key: 'id',
    fromRow: teamFromRow,
    toRow: (t) => ({
      name: t.name,
      supervisor_id: t.supervisorId,
      revision: t.revision,
      formed_at: t.formedAt,
      updated_at: t.updatedAt,
    }),
  });
}

/** Current state of every team: `teams(id, name, supervisor_id, revision, formed_at, updated_at)`. */
export const teamsProjection: Projection = {
  name: TEAMS_PROJECTION,
  version: 1,
  tables: [TEAMS_TABLE],
  eventTypes: EVENT_TYPES,

  async createTables(db: ReadDb, ctx: ProjectionContext): Promise<void> {
    const table = ctx.table(TEAMS_TABLE);
    await db.schema
      .createTable(table)
      .ifNotExists()
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('supervisor_id', 'text', (c) => c.notNull())
      .addColumn('revision', 'integer', (c) => c.notNull())
      .addColumn('formed_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    // Supervisor → teams is how a SUPERVISOR's read scope is resolved.
    await db.schema
      .createIndex(indexName(table, 'supervisor'))
      .ifNotExists()
      .on(table)
      .column('supervisor_id')
      .execute();
  },

  async applyBatch(tx: ReadTx, batch: readonly RecordedEvent[], ctx: ProjectionContext): Promise<void> {
    const events = handledEvents<TeamEvent>(batch, EVENT_TYPES);
    const teams = teamsTable(ctx);
    await teams.prefetch(
      tx,
      events.map((e) => e.data.teamId),
    );
    for (const event of events) {
      const id = event.data.teamId;
      const updatedAt = recordedAt(event);
      if (event.type === 'TeamFormed') {
        teams.put(id, {
          id,
          name: event.data.name,
          supervisorId: event.data.supervisorId,
          revision: event.revision,
          formedAt: occurredAt(event),
          updatedAt,
        });
        continue;
      }
      const team = teams.peek(id);
      if (!team) throw new Error(`${event.type} for unknown team ${id}`);
      switch (event.type) {
        case 'TeamRenamed':
          teams.put(id, { ...team, name: event.data.name, revision: event.revision, updatedAt });
          break;
        case 'TeamSupervisorChanged':
          teams.put(id, {
            ...team,
            supervisorId: event.data.supervisorId,
            revision: event.revision,
            updatedAt,
          });
          break;
        default:
          assertNever(event);
      }
    }
    await teams.flush(tx);
  },
};
