import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Projection } from './projection';
import { contextFor } from './projection-writer';
import { PROJECTION_STATE_TABLE, physicalTableName, type ProjectionStateRow, type ReadStore } from './read-store';
import { DEFAULT_STALE_CLAIM_MS, RebuildInProgressError, claimRebuild, releaseRebuildClaim } from './rebuild-claim';

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
    // The engine prepares every projection here at start, and every rebuild before its claim:
    // the place where generations left by killed rebuilds go. Never a reason to fail a start.
    await dropAbandonedGenerations(readStore, projection, clock).catch(() => undefined);
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

/**
 * Drops the tables of every generation of a projection other than the one served, left by
 * rebuilds killed before they dropped the generation they replaced (or the one they were
 * building). Returns the physical tables dropped.
 *
 * Without racing a rebuild elsewhere: generations other than the served one are dropped only
 * under the projection's rebuild claim (taken and released here; a claim of a dead holder on this
 * host or a stale one is taken over). While another live process holds the claim — it is building
 * served + 1, or it has just swapped and waits before dropping served - 1 for readers that still
 * name it — only generations below served - 1 go: generations only grow, so nobody builds or
 * reads those again.
 */
export async function dropAbandonedGenerations(
  readStore: ReadStore,
  projection: Projection,
  clock: () => Date = () => new Date(),
  staleClaimMs = DEFAULT_STALE_CLAIM_MS,
): Promise<string[]> {
  const listed = await generationTables(readStore, projection);
  const row = await readStore.readState(projection.name);
  if (!row || listed.every((t) => t.generation === row.generation)) return [];
  const owner = randomUUID();
  let claimed = true;
  try {
    await claimRebuild(readStore, projection.name, owner, clock, staleClaimMs);
  } catch (error) {
    if (!(error instanceof RebuildInProgressError)) throw error;
    claimed = false;
  }
  const dropped: string[] = [];
  try {
    // Read again: with the claim held the served generation cannot move any more.
    const served = claimed ? ((await readStore.readState(projection.name))?.generation ?? row.generation) : row.generation;
    const tables = claimed ? await generationTables(readStore, projection) : listed;
    for (const table of tables) {
      if (claimed ? table.generation === served : table.generation >= served - 1) continue;
      await readStore.db.schema.dropTable(table.name).ifExists().execute();
      dropped.push(table.name);
    }
  } finally {
    if (claimed) await releaseRebuildClaim(readStore, projection.name, owner);
  }
  return dropped;
}

/** The physical tables of every generation of a projection that exist in the read store. */
export async function generationTables(readStore: ReadStore, projection: Projection): Promise<Array<{ name: string; generation: number }>> {
  const query =
    readStore.dialect === 'postgres'
      ? sql<{ name: string }>`select tablename as name from pg_catalog.pg_tables where schemaname = current_schema()`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table'`;
  const names = (await query.execute(readStore.db)).rows.map((r) => String(r.name));
  const found: Array<{ name: string; generation: number }> = [];
  for (const logical of [...projection.tables, ...(projection.retiredTables ?? [])]) {
    const prefix = physicalTableName(logical, 0).slice(0, -1);
    for (const name of names) {
      if (!name.startsWith(prefix)) continue;
      const digits = name.slice(prefix.length);
      if (/^[1-9][0-9]*$/.test(digits)) found.push({ name, generation: Number(digits) });
    }
  }
  return found;
}
