import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import type { Projection } from './projection';
import type { WriteGuard } from './projection-writer';
import { PARKED_EVENTS_TABLE, physicalTableName, type ReadStore } from './read-store';

/** What a build on another thread reports of each projection it built (RebuildResult's figures). */
export interface SideBuildResult {
  projection: string;
  applied: number;
  parked: number;
  applyMs: number;
  applyCpuMs: number;
}

/** A finished build on another thread: its SQLite file and the figures of each projection. */
export interface SideBuild {
  file: string;
  results: SideBuildResult[];
}

/** See RebuildOptions.offload. */
export interface RebuildOffload {
  /** Names of the projections built elsewhere (those not selected are ignored). */
  projections: readonly string[];
  /**
   * Builds generation `targets[name]` of each of them from the start of the log up to and
   * including `untilPosition` (null: an empty log) into an SQLite file of its own, indexes
   * included (buildSideGenerations). The file is deleted once copied.
   */
  build(input: {
    targets: Record<string, number>;
    untilPosition: string | null;
    signal?: AbortSignal;
    onProgress?: (processed: number) => void;
  }): Promise<SideBuild>;
}

/** The part of a rebuild job the copy needs. */
interface OffloadedJob {
  projection: Projection;
  target: number;
  guard: WriteGuard;
  applied: number;
  parked: number;
  applyMs: number;
  applyCpuMs: number;
  lastWrite: number;
}

/** Starts the build elsewhere; the promise is observed at once, so a failure is only seen when joined. */
export function startOffload(
  offload: RebuildOffload,
  jobs: readonly OffloadedJob[],
  untilPosition: string | null,
  signal: AbortSignal | undefined,
  onProgress: (processed: number) => void,
): Promise<SideBuild> {
  const targets = Object.fromEntries(jobs.map((j) => [j.projection.name, j.target]));
  const build = offload.build({ targets, untilPosition, ...(signal ? { signal } : {}), onProgress });
  build.catch(() => undefined);
  return build;
}

/** A rebuild's claims are refreshed at least this often (stale after 30 s), by a write without events if need be. */
export const HEARTBEAT_MS = 10_000;

/**
 * Waits for the build on the other thread, refreshing the claims meanwhile, then copies each
 * projection's tables (and parked events) into the read store, in a transaction behind its
 * claim. A failed build fails all of its projections (their old generations stay served).
 */
export async function joinOffload<J extends OffloadedJob>(
  readStore: ReadStore,
  build: Promise<SideBuild>,
  jobs: readonly J[],
  heartbeat: () => Promise<void>,
  fail: (job: J, error: unknown) => Promise<void>,
): Promise<void> {
  let side: SideBuild;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), HEARTBEAT_MS)));
      const first = await Promise.race([build, tick]).finally(() => clearTimeout(timer));
      if (first !== 'tick') {
        side = first;
        break;
      }
      await heartbeat();
    }
  } catch (error) {
    for (const job of jobs) await fail(job, error);
    return;
  }
  try {
    // Attached once for all of them; a file that cannot be attached fails them all, as a failed build.
    try {
      await sql`attach database ${side.file} as ${sql.id(SIDE)}`.execute(readStore.db);
    } catch (error) {
      for (const job of jobs) await fail(job, error);
      return;
    }
    try {
      for (const job of jobs) {
        await timedStep(job, fail, async () => {
          await copyGeneration(readStore, job);
          const figures = side.results.find((r) => r.projection === job.projection.name);
          job.applied += figures?.applied ?? 0;
          job.parked += figures?.parked ?? 0;
          job.applyMs += figures?.applyMs ?? 0;
          job.applyCpuMs += figures?.applyCpuMs ?? 0;
        });
      }
    } finally {
      await sql`detach database ${sql.id(SIDE)}`.execute(readStore.db);
    }
  } finally {
    removeSqliteFile(side.file);
  }
}

const SIDE = 'rebuild_side';

/**
 * Copies generation `job.target` of a projection from the attached side file into the read store: each
 * table as it was created there (same text, so the same name, columns, WITHOUT ROWID and
 * indexes), created empty with its indexes and filled by `INSERT … SELECT *`, which SQLite copies
 * record by record without decoding them (its transfer optimization), then its parked events.
 */
async function copyGeneration(readStore: ReadStore, job: OffloadedJob): Promise<void> {
  await readStore.db.transaction().execute(async (tx) => {
    await job.guard.check(tx, undefined);
    for (const logical of job.projection.tables) {
      const table = physicalTableName(logical, job.target);
      const schema = await sql<{ type: string; sql: string }>`
        select type, sql from ${sql.id(SIDE)}.sqlite_master where tbl_name = ${table} and sql is not null
        order by case type when 'table' then 0 else 1 end, name`.execute(tx);
      if (!schema.rows.some((r) => r.type === 'table')) throw new Error(`The side build has no table ${table}`);
      for (const { sql: ddl } of schema.rows) await sql.raw(ddl).execute(tx);
      await sql`insert into main.${sql.id(table)} select * from ${sql.id(SIDE)}.${sql.id(table)}`.execute(tx);
    }
    await sql`insert into main.${sql.id(PARKED_EVENTS_TABLE)} select * from ${sql.id(SIDE)}.${sql.id(PARKED_EVENTS_TABLE)}
      where projection = ${job.projection.name} and generation = ${job.target}`.execute(tx);
  });
}

/**
 * One step of a rebuild job, counted in its apply time and CPU (and as its last write); an error
 * fails the job instead of the rebuild.
 */
export async function timedStep<J extends Pick<OffloadedJob, 'applyMs' | 'applyCpuMs' | 'lastWrite'>>(
  job: J,
  fail: (job: J, error: unknown) => Promise<void>,
  work: () => Promise<void>,
): Promise<void> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    await work();
  } catch (error) {
    await fail(job, error);
  } finally {
    job.applyMs += performance.now() - t0;
    job.applyCpuMs += cpuMsSince(cpu0);
    job.lastWrite = Date.now();
  }
}

/** CPU time of the process (every thread) since `start`, ms. */
export function cpuMsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** Removes an SQLite file with its WAL, shared-memory and journal files. */
export function removeSqliteFile(file: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${suffix}`, { force: true });
}
