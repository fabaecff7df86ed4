import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { allProjections, loadConfig, openConfiguredReadStore, openEventStore } from '@kam/api';
import { physicalTableName, rebuildProjections, PROJECTION_STATE_TABLE } from '@kam/read-store';
import { JWT_SECRET } from './service';

export interface ProjectionState {
  name: string;
  version: number;
  generation: number;
  checkpoint: string | null;
  status: string;
  rebuild_owner: string | null;
}

/** Every projection's rows in its served generation: projection → logical table → sorted row JSON. */
export type ReadModelDump = Map<string, Map<string, string[]>>;

function stableJson(row: Record<string, unknown>): string {
  return JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k]]));
}

export function readProjectionStates(file: string): Map<string, ProjectionState> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT name, version, generation, checkpoint, status, rebuild_owner FROM ${PROJECTION_STATE_TABLE}`).all() as ProjectionState[];
    return new Map(rows.map((r) => [r.name, r]));
  } finally {
    db.close();
  }
}

/** Reads the served generation of every projection of the product from a read-models SQLite file. */
export function dumpReadModels(file: string): { states: Map<string, ProjectionState>; dump: ReadModelDump } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT name, version, generation, checkpoint, status, rebuild_owner FROM ${PROJECTION_STATE_TABLE}`).all() as ProjectionState[];
    const states = new Map(rows.map((r) => [r.name, r]));
    const dump: ReadModelDump = new Map();
    for (const projection of allProjections()) {
      const state = states.get(projection.name);
      const tables = new Map<string, string[]>();
      for (const logical of projection.tables) {
        if (!state) {
          tables.set(logical, ['<no projection_state row>']);
          continue;
        }
        const physical = physicalTableName(logical, state.generation);
        const rowsOf = db.prepare(`SELECT * FROM "${physical}"`).all() as Array<Record<string, unknown>>;
        tables.set(logical, rowsOf.map(stableJson).sort());
      }
      dump.set(projection.name, tables);
    }
    return { states, dump };
  } finally {
    db.close();
  }
}

/** Differences between two dumps, as short human-readable lines (empty when equal). */
export function diffReadModels(actual: ReadModelDump, expected: ReadModelDump): string[] {
  const out: string[] = [];
  for (const [projection, tables] of expected) {
    for (const [table, rows] of tables) {
      const mine = actual.get(projection)?.get(table) ?? [];
      if (mine.length === rows.length && mine.every((r, i) => r === rows[i])) continue;
      const want = new Set(rows);
      const have = new Set(mine);
      const missing = rows.filter((r) => !have.has(r));
      const extra = mine.filter((r) => !want.has(r));
      out.push(
        `${projection}.${table}: ${mine.length} rows vs ${rows.length} in a fresh rebuild; ` +
          `missing ${missing.length} (e.g. ${missing[0]?.slice(0, 300) ?? '-'}), extra ${extra.length} (e.g. ${extra[0]?.slice(0, 300) ?? '-'})`,
      );
    }
  }
  return out;
}

/**
 * Copies the log of `dataDir` (an online backup, safe while the service writes) into a fresh data
 * directory and rebuilds every read model there from position 0 — the reference the running
 * service's read models must equal.
 */
export async function freshRebuild(eventsFile: string): Promise<{ dataDir: string; dump: ReadModelDump; states: Map<string, ProjectionState>; ms: number }> {
  const started = Date.now();
  const dataDir = mkdtempSync(join(tmpdir(), 'kam-rel-rebuild-'));
  const source = new Database(eventsFile, { readonly: true, fileMustExist: true });
  try {
    await source.backup(join(dataDir, 'events.sqlite'));
  } finally {
    source.close();
  }
  const config = loadConfig({ KAM_DATA_DIR: dataDir, AUTH_JWT_SECRET: JWT_SECRET, KAM_DEMO: '0', LOG_LEVEL: 'error' });
  const store = await openEventStore(config);
  const readStore = await openConfiguredReadStore(config);
  try {
    await rebuildProjections({ store, readStore, projections: allProjections(), dropOldAfterMs: 0 });
  } finally {
    await readStore.close();
    await store.close();
  }
  const { dump, states } = dumpReadModels(join(dataDir, 'read-models.sqlite'));
  return { dataDir, dump, states, ms: Date.now() - started };
}

/** A consistent copy of an SQLite file (with its WAL content), for post-mortem inspection. */
export function snapshotFile(file: string, to: string): void {
  if (existsSync(file)) copyFileSync(file, to);
}
