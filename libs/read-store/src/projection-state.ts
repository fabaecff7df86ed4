import type { Projection } from './projection';
import { contextFor } from './projection-writer';
import { PROJECTION_STATE_TABLE, type ProjectionStateRow, type ReadStore } from './read-store';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** PostgreSQL truncates identifiers at 63 bytes; keep room for `_g<generation>` and index suffixes. */
const MAX_LOGICAL_TABLE_LENGTH = 40;

/** Checks names once at registration, so a typo fails at start and not in the first batch. */
export function validateProjections(projections: readonly Projection[]): void {
  const names = new Set<string>();
  const tables = new Map<string, string>();
  for (const p of projections) {
    if (!p.name || names.has(p.name)) throw new Error(`Projection name ${JSON.stringify(p.name)} is empty or registered twice`);
    names.add(p.name);
    if (!Number.isInteger(p.version) || p.version < 1) throw new Error(`Projection ${p.name}: version must be a positive integer`);
    if (p.eventTypes.length === 0) throw new Error(`Projection ${p.name} handles no event type`);
    for (const t of p.tables) {
      if (!IDENTIFIER.test(t) || t.length > MAX_LOGICAL_TABLE_LENGTH) {
        throw new Error(`Projection ${p.name}: table name ${t} must match ${IDENTIFIER} and be at most ${MAX_LOGICAL_TABLE_LENGTH} characters`);
      }
      const owner = tables.get(t);
      if (owner) throw new Error(`Table ${t} is declared by both ${owner} and ${p.name}`);
      tables.set(t, p.name);
    }
  }
}

/**
 * The state row of a projection, creating generation 1 (row + tables, in one transaction) the
 * first time the projection is seen. Concurrent first starts are safe: the insert does nothing
 * when the row exists, and only the transaction that inserted it creates the tables.
 */
export async function ensureProjectionState(readStore: ReadStore, projection: Projection, clock: () => Date): Promise<ProjectionStateRow> {
  const existing = await readStore.readState(projection.name);
  if (existing) {
    readStore.noteGeneration(projection.name, existing.generation);
    return existing;
  }
  await readStore.db.transaction().execute(async (tx) => {
    const inserted = await tx
      .insertInto(PROJECTION_STATE_TABLE)
      .values({
        name: projection.name,
        version: projection.version,
        generation: 1,
        checkpoint: null,
        status: 'live',
        updated_at: clock().toISOString(),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) {
      await projection.createTables(tx, contextFor(readStore, projection, 1));
    }
  });
  const row = await readStore.readState(projection.name);
  if (!row) throw new Error(`Projection ${projection.name}: state row vanished after creation`);
  readStore.noteGeneration(projection.name, row.generation);
  return row;
}
