import { createHash } from 'node:crypto';
import type { Client } from 'pg';
import type { ReadStore } from './read-store';

/**
 * Who may run the projections. With several API/projector instances on one PostgreSQL read
 * store, exactly one holds the lease and projects; the others stand by and try again. Safety does
 * not rest on the lease alone: every batch is a compare-and-set on projection_state, so even two
 * holders for a moment (a partition the old holder has not noticed yet) never double-apply.
 */
export interface ProjectionLease {
  /** Tries once; true when this process holds the lease afterwards. */
  tryAcquire(): Promise<boolean>;
  readonly held: boolean;
  /** Registers a listener called once each time a held lease is lost (connection gone). */
  onLost(listener: () => void): void;
  release(): Promise<void>;
}

/** SQLite is single-process by design: the lease is always granted. */
export class LocalLease implements ProjectionLease {
  private isHeld = false;
  get held(): boolean {
    return this.isHeld;
  }
  async tryAcquire(): Promise<boolean> {
    this.isHeld = true;
    return true;
  }
  onLost(): void {}
  async release(): Promise<void> {
    this.isHeld = false;
  }
}

/** A stable signed 64-bit key for pg_try_advisory_lock, derived from a readable name. */
export function advisoryLockKey(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigInt64BE(0);
}

export interface PgAdvisoryLeaseOptions {
  /** Opens the dedicated connection the session-level lock lives on (never a pooled one). */
  connect: () => Promise<Client>;
  key: bigint;
  /** While held, the connection is checked this often; a failed check means the lock is gone (default 2000 ms). */
  checkIntervalMs?: number;
}

/**
 * `pg_try_advisory_lock` on a dedicated connection: the lock is released by PostgreSQL when that
 * connection ends, so a holder that dies (process crash, network loss) hands over by itself.
 */
export class PgAdvisoryLease implements ProjectionLease {
  private client: Client | undefined;
  private isHeld = false;
  private checkTimer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly options: PgAdvisoryLeaseOptions) {}

  get held(): boolean {
    return this.isHeld;
  }

  onLost(listener: () => void): void {
    this.listeners.push(listener);
  }

  async tryAcquire(): Promise<boolean> {
    if (this.isHeld) return true;
    try {
      const client = await this.connection();
      const result = await client.query<{ ok: boolean }>('select pg_try_advisory_lock($1::bigint) as ok', [this.options.key.toString()]);
      this.isHeld = result.rows[0]?.ok === true;
    } catch {
      await this.dropConnection();
      this.isHeld = false;
    }
    if (this.isHeld) this.startChecks();
    return this.isHeld;
  }

  async release(): Promise<void> {
    this.stopChecks();
    const wasHeld = this.isHeld;
    this.isHeld = false;
    if (wasHeld && this.client) {
      await this.client.query('select pg_advisory_unlock($1::bigint)', [this.options.key.toString()]).catch(() => undefined);
    }
    await this.dropConnection();
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = await this.options.connect();
    client.on('error', () => this.lost());
    client.on('end', () => this.lost());
    this.client = client;
    return client;
  }

  private startChecks(): void {
    this.stopChecks();
    this.checkTimer = setInterval(() => {
      const client = this.client;
      if (!client) return this.lost();
      client.query('select 1').catch(() => this.lost());
    }, this.options.checkIntervalMs ?? 2000);
    this.checkTimer.unref();
  }

  private stopChecks(): void {
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = undefined;
  }

  private lost(): void {
    const wasHeld = this.isHeld;
    this.isHeld = false;
    this.stopChecks();
    const client = this.client;
    this.client = undefined;
    client?.end().catch(() => undefined);
    if (wasHeld) for (const listener of this.listeners) listener();
  }

  private async dropConnection(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => undefined);
  }
}

/**
 * The lease that fits the read store: an advisory lock on PostgreSQL (keyed by schema and name,
 * so isolated schemas do not contend), the trivial local lease on SQLite.
 */
export function createProjectionLease(readStore: ReadStore, name = 'projections', checkIntervalMs?: number): ProjectionLease {
  if (readStore.dialect !== 'postgres') return new LocalLease();
  return new PgAdvisoryLease({
    key: advisoryLockKey(`kam-ledger:${readStore.schema ?? 'public'}:${name}`),
    checkIntervalMs,
    connect: async () => {
      const client = await readStore.openDedicatedPgConnection();
      if (!client) throw new Error('The read store has no PostgreSQL connection');
      return client;
    },
  });
}
