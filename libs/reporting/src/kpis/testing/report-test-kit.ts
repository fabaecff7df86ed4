import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Pool } from 'pg';
import { EVENT_TYPES, type EventType, type LossReason, type OpenDealStage, type SalesChannel, type Skill } from '@kam/kernel';
import type { RecordedEvent } from '@kam/event-store';
import type { Projection, ProjectionContext, ReadDb, ReadModelAccess, SqlDialect } from '@kam/read-store';
import type { KnownEvent } from '../common/events';

/**
 * Test kit of the report read models: a fresh database (SQLite in memory, or PostgreSQL with a
 * unique table prefix per run), projections fed straight from RecordedEvent[] through their own
 * createTables + applyBatch in Kysely transactions, and an event-log builder with typed payloads.
 */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL answers, checked synchronously (describe blocks are declared synchronously); null when reachable. */
export function postgresUnavailableReason(url = TEST_PG_URL): string | null {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const {Client}=require('pg');const c=new Client({connectionString:process.argv[1],connectionTimeoutMillis:3000});c.connect().then(()=>c.query('select 1')).then(()=>c.end()).then(()=>process.exit(0),e=>{console.error(e.message);process.exit(1)})`,
      url,
    ],
    { encoding: 'utf8', timeout: 10_000, cwd: process.cwd() },
  );
  if (probe.status === 0) return null;
  return (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
}

export interface ReportDb {
  dialect: SqlDialect;
  db: ReadDb;
  access: ReadModelAccess;
  /** The context a projection writes with (same physical names as `access` reads). */
  ctx(projection: Projection): ProjectionContext;
  dispose(): Promise<void>;
}

export interface Backend {
  name: SqlDialect;
  open(): Promise<ReportDb>;
}

const RUN_ID = `${Date.now().toString(36)}${process.pid.toString(36)}`;
let counter = 0;

function reportDb(dialect: SqlDialect, db: ReadDb, prefix: string, dispose: () => Promise<void>): ReportDb {
  const physical = (logical: string) => `${prefix}${logical}`;
  return {
    dialect,
    db,
    access: { db, dialect, table: (_projection: string, logical: string) => physical(logical) },
    ctx(projection) {
      return {
        dialect,
        table(logical) {
          if (!projection.tables.includes(logical)) throw new Error(`${projection.name} does not declare ${logical}`);
          return physical(logical);
        },
      };
    },
    dispose,
  };
}

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async open() {
    const db: ReadDb = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    return reportDb('sqlite', db, '', () => db.destroy());
  },
};

export function postgresBackend(url = TEST_PG_URL): Backend {
  return {
    name: 'postgres',
    async open() {
      const prefix = `t${RUN_ID}_${++counter}_`;
      const pool = new Pool({ connectionString: url, max: 4 });
      pool.on('error', () => undefined);
      const db: ReadDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
      return reportDb('postgres', db, prefix, async () => {
        const { rows } = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = current_schema() and tablename like ${`${prefix}%`}`.execute(db);
        for (const { tablename } of rows) await sql`drop table if exists ${sql.id(tablename)} cascade`.execute(db);
        await db.destroy();
      });
    },
  };
}

/** SQLite always; PostgreSQL when it answers (otherwise a console.warn says why its block is not declared). */
export function availableBackends(): Backend[] {
  const reason = postgresUnavailableReason();
  if (reason === null) return [sqliteBackend, postgresBackend()];
  console.warn(`PostgreSQL report tests are not declared: ${TEST_PG_URL} is unreachable (${reason})`);
  return [sqliteBackend];
}

/**
 * Creates the projections' tables and applies the events in batches of `batchSize` (each in its
 * own transaction, as the engine does), every projection seeing only the types it handles.
 */
export async function project(rdb: ReportDb, projections: readonly Projection[], events: readonly RecordedEvent[], batchSize = 4): Promise<void> {
  for (const projection of projections) {
    const ctx = rdb.ctx(projection);
    await rdb.db.transaction().execute((tx) => projection.createTables(tx, ctx));
    const mine = events.filter((e) => (projection.eventTypes as readonly string[]).includes(e.type));
    for (let i = 0; i < mine.length; i += batchSize) {
      await rdb.db.transaction().execute((tx) => projection.applyBatch(tx, mine.slice(i, i + batchSize), ctx));
    }
  }
}

const ID_FIELDS = { team: 'teamId', rep: 'repId', account: 'accountId', deal: 'dealId', training: 'sessionId' } as const;

/** Builds a log of RecordedEvents in append order; `at` is the business time (metadata.occurredAt). */
export class EventLog {
  readonly events: RecordedEvent[] = [];
  private readonly revisions = new Map<string, number>();

  add<E extends KnownEvent>(type: E['type'], data: E['data'], at: string): this {
    const category = EVENT_TYPES[type as EventType].category;
    const id = (data as Record<string, string>)[ID_FIELDS[category]];
    const streamId = `${category}-${id}`;
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    const position = String(this.events.length + 1);
    this.events.push({
      id: `evt-${position}`,
      streamId,
      revision,
      position,
      type,
      data,
      metadata: { commandId: `cmd-${position}`, correlationId: `cmd-${position}`, causationId: `cmd-${position}`, actor: 'test', occurredAt: at, schemaVersion: 1 },
      recordedAt: new Date(),
    });
    return this;
  }

  team(teamId: string, at: string): this {
    return this.add('TeamFormed', { teamId, name: `Team ${teamId}`, supervisorId: `kam-${teamId}` }, at);
  }
  hire(repId: string, teamId: string, at: string, channel: SalesChannel = 'FIELD'): this {
    return this.add('RepHired', { repId, name: `Rep ${repId}`, email: `${repId}@example.com`, teamId, channel }, at);
  }
  transfer(repId: string, fromTeamId: string, teamId: string, at: string): this {
    return this.add('RepTransferred', { repId, fromTeamId, teamId }, at);
  }
  repChannel(repId: string, fromChannel: SalesChannel, channel: SalesChannel, at: string): this {
    return this.add('RepChannelChanged', { repId, fromChannel, channel, reason: null }, at);
  }
  quota(repId: string, month: string, amountMinor: number, at: string): this {
    return this.add('RepQuotaSet', { repId, month, amountMinor }, at);
  }
  offboard(repId: string, at: string, reassignOpenDealsTo: string | null = null): this {
    return this.add('RepOffboarded', { repId, reassignOpenDealsTo }, at);
  }
  account(accountId: string, name: string, ownerRepId: string, at: string): this {
    return this.add('AccountRegistered', { accountId, name, taxId: null, industry: null, ownerRepId }, at);
  }
  open(
    dealId: string,
    d: { repId: string; valueMinor: number; accountId?: string; channel?: SalesChannel },
    at: string,
  ): this {
    return this.add(
      'DealOpened',
      {
        dealId,
        accountId: d.accountId ?? 'acc-x',
        repId: d.repId,
        title: `Deal ${dealId}`,
        valueMinor: d.valueMinor,
        channel: d.channel ?? 'FIELD',
        expectedCloseDate: '2026-12-31',
        stage: 'PROSPECTING',
      },
      at,
    );
  }
  stage(dealId: string, fromStage: OpenDealStage, stage: OpenDealStage, at: string): this {
    return this.add('DealStageChanged', { dealId, fromStage, stage }, at);
  }
  revise(dealId: string, fromValueMinor: number, valueMinor: number, at: string): this {
    return this.add('DealValueRevised', { dealId, fromValueMinor, valueMinor, reason: null }, at);
  }
  reassign(dealId: string, fromRepId: string, repId: string, at: string): this {
    return this.add('DealReassigned', { dealId, fromRepId, repId }, at);
  }
  dealChannel(dealId: string, fromChannel: SalesChannel, channel: SalesChannel, at: string): this {
    return this.add('DealChannelChanged', { dealId, fromChannel, channel }, at);
  }
  competitor(dealId: string, competitor: string, at: string): this {
    return this.add('CompetitorRecorded', { dealId, competitor }, at);
  }
  win(dealId: string, wonValueMinor: number, at: string, fromStage: OpenDealStage = 'NEGOTIATION'): this {
    return this.add('DealWon', { dealId, fromStage, wonValueMinor, contractNumber: null }, at);
  }
  lose(
    dealId: string,
    valueMinor: number,
    at: string,
    o: { competitor?: string; reason?: LossReason; fromStage?: OpenDealStage } = {},
  ): this {
    return this.add(
      'DealLost',
      { dealId, fromStage: o.fromStage ?? 'PROPOSAL', reason: o.reason ?? (o.competitor ? 'COMPETITOR' : 'PRICE'), competitor: o.competitor ?? null, valueMinor },
      at,
    );
  }
  schedule(sessionId: string, skill: Skill, scheduledAt: string, at: string, title = `Session ${sessionId}`): this {
    return this.add('TrainingScheduled', { sessionId, title, skill, trainerId: 'trainer-1', scheduledAt, durationMinutes: 120 }, at);
  }
  enroll(sessionId: string, repId: string, at: string): this {
    return this.add('RepEnrolled', { sessionId, repId }, at);
  }
  attendance(sessionId: string, repId: string, attended: boolean, score: number | null, at: string): this {
    return this.add('AttendanceRecorded', { sessionId, repId, attended, score }, at);
  }
  complete(sessionId: string, at: string): this {
    return this.add('TrainingCompleted', { sessionId }, at);
  }
  cancel(sessionId: string, at: string): this {
    return this.add('TrainingCancelled', { sessionId, reason: 'test' }, at);
  }
}

/** A clock pinned at an instant, for the reports' "now". */
export function fixedClock(iso: string): () => Date {
  return () => new Date(iso);
}

/** A generated step that may touch a deal (`open`, `reassign`, `win`, `lose` carry its number). */
type GeneratedStep = { kind: string; deal?: number };

/**
 * Keeps the deal steps a deal's stream can hold — opened once, reassigned while open, closed
 * once — and every other step, in order (for property tests that generate random histories).
 */
export function validDealSteps<O extends GeneratedStep, T>(steps: ReadonlyArray<readonly [O, T]>): Array<[O, T]> {
  const state = new Map<number, 'open' | 'closed'>();
  return steps.filter(([o]) => {
    const deal = o.deal ?? -1;
    if (o.kind === 'open') {
      if (state.has(deal)) return false;
      state.set(deal, 'open');
    } else if (o.kind === 'reassign') return state.get(deal) === 'open';
    else if (o.kind === 'win' || o.kind === 'lose') {
      if (state.get(deal) !== 'open') return false;
      state.set(deal, 'closed');
    }
    return true;
  }) as Array<[O, T]>;
}
