import type { RecordedEvent } from '@kam/event-store';
import type { RepHired, RepTransferred } from '@kam/org';
import type { ReadDb, ReadTx } from '@kam/read-store';
import { EntityTable } from './entity-table';
import { toStr } from './sql';

/**
 * Each projection that needs "the team a rep is in now" keeps its own small copy of it (rep_id →
 * team_id), fed by RepHired and RepTransferred: projections stay independent (each rebuilds
 * alone from the log, at its own checkpoint) and never read another projection's tables while
 * writing.
 */
export type RepTeamEvent = RepHired | RepTransferred;
export const REP_TEAM_EVENT_TYPES = ['RepHired', 'RepTransferred'] as const satisfies ReadonlyArray<
  RepTeamEvent['type']
>;

export interface RepTeam {
  teamId: string;
}

export async function createRepTeamsTable(db: ReadDb | ReadTx, table: string): Promise<void> {
  await db.schema
    .createTable(table)
    .ifNotExists()
    .addColumn('rep_id', 'text', (c) => c.primaryKey())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex(`${table}_team`).ifNotExists().on(table).column('team_id').execute();
}

export function repTeamsTable(table: string): EntityTable<RepTeam> {
  return new EntityTable<RepTeam>({
    table,
    key: 'rep_id',
    fromRow: (row) => ({ teamId: toStr(row.team_id) }),
    toRow: (state) => ({ team_id: state.teamId }),
  });
}

/** Rep ids a batch mentions in its rep-team events. */
export function repIdsOf(events: readonly RecordedEvent[]): string[] {
  const ids: string[] = [];
  for (const event of events) {
    if (event.type === 'RepHired' || event.type === 'RepTransferred')
      ids.push((event.data as RepTeamEvent['data']).repId);
  }
  return ids;
}
