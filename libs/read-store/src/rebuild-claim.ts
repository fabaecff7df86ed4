import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { PROJECTION_STATE_TABLE, type ReadStore } from './read-store';

/** A claim whose heartbeat is older than this is considered abandoned, whoever holds it (default of RebuildOptions.staleClaimMs). */
export const DEFAULT_STALE_CLAIM_MS = 30_000;

/** Another process is rebuilding this projection (its claim is fresh and its holder may be alive). */
export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`Projection ${projection} is already being rebuilt`);
    this.name = 'RebuildInProgressError';
  }
}

/**
 * The process that holds a rebuild claim, stored as JSON in `projection_state.rebuild_holder`.
 * `boot` (Linux boot id) and `pidns` (pid namespace) make "same host" mean "the same kernel and
 * the same pid numbering", so two containers that share a host name are not confused; `start`
 * (start time of the process in clock ticks since boot, /proc/<pid>/stat) tells a recycled pid
 * from the holder.
 */
export interface ClaimHolder {
  host: string;
  boot?: string;
  pidns?: string;
  pid: number;
  start?: string;
  /**
   * The `rebuild_owner` this holder wrote (in the stored JSON): a holder left over from an earlier
   * claim (written by code that does not know this column) never vouches for the current owner.
   */
  owner?: string;
}

interface ProcStat {
  state: string;
  start: string;
}

function procStat(pid: number | 'self'): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ... : comm may hold spaces and parentheses; fields resume after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = fields[0];
    const start = fields[19];
    return state !== undefined && start !== undefined ? { state, start } : undefined;
  } catch {
    return undefined;
  }
}

function readOptional(read: () => string): string | undefined {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
}

let self: ClaimHolder | undefined;

/** This process, as a claim holder. */
export function currentClaimHolder(): ClaimHolder {
  self ??= describeProcess(process.pid) ?? { host: hostname(), pid: process.pid };
  return self;
}

/** Another process on this machine (tests), or undefined when it does not exist. */
export function describeProcess(pid: number): ClaimHolder | undefined {
  const stat = procStat(pid);
  if (stat === undefined && !processExists(pid)) return undefined;
  const boot = readOptional(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidns = readOptional(() => readlinkSync('/proc/self/ns/pid'));
  return {
    host: hostname(),
    ...(boot !== undefined ? { boot } : {}),
    ...(pidns !== undefined ? { pidns } : {}),
    pid,
    ...(stat !== undefined ? { start: stat.start } : {}),
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function parseClaimHolder(text: string | null | undefined): ClaimHolder | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ClaimHolder>;
    if (typeof value.host !== 'string' || typeof value.pid !== 'number' || !Number.isInteger(value.pid) || value.pid <= 0) return undefined;
    return value as ClaimHolder;
  } catch {
    return undefined;
  }
}

/**
 * True only when the holder is provably gone: it ran on this host (same host name, boot and pid
 * namespace) and its pid no longer exists, is a zombie, or is now a process that started at
 * another time. A holder on another host, or one this platform cannot check, is never "gone":
 * its claim ends by the heartbeat-age rule.
 */
export function claimHolderIsGone(holder: ClaimHolder): boolean {
  const me = currentClaimHolder();
  if (holder.host !== me.host || holder.boot !== me.boot || holder.pidns !== me.pidns) return false;
  if (holder.pid === process.pid) return holder.start !== undefined && me.start !== undefined && holder.start !== me.start;
  const stat = procStat(holder.pid);
  if (stat !== undefined) {
    if (stat.state === 'Z' || stat.state === 'X') return true;
    return holder.start !== undefined && stat.start !== holder.start;
  }
  // No /proc entry: gone if the pid does not exist (where /proc is missing, kill(0) decides alone).
  return !processExists(holder.pid);
}

/**
 * Takes the rebuild claim of a projection for `owner` (compare-and-set): free, stale (heartbeat
 * older than `staleMs`) or held by a process provably gone (`claimHolderIsGone`). The takeover of
 * a dead holder's claim is a compare-and-set on that exact owner, so two processes racing for
 * it cannot both win.
 */
export async function claimRebuild(readStore: ReadStore, name: string, owner: string, clock: () => Date, staleMs: number): Promise<void> {
  const now = clock();
  const staleBefore = new Date(now.getTime() - staleMs).toISOString();
  const holderText = JSON.stringify({ ...currentClaimHolder(), owner } satisfies ClaimHolder);
  const set = { status: 'rebuilding', rebuild_owner: owner, rebuild_holder: holderText, rebuild_heartbeat_at: now.toISOString() };
  // Twice: a claim released between the first compare-and-set and the read is free, not in progress.
  for (let attempt = 0; attempt < 2; attempt++) {
    const result = await readStore.db
      .updateTable(PROJECTION_STATE_TABLE)
      .set(set)
      .where('name', '=', name)
      .where((eb) => eb.or([eb('rebuild_owner', 'is', null), eb('rebuild_heartbeat_at', '<', staleBefore)]))
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    const row = await readStore.readState(name);
    if (!row) break;
    if (row.rebuild_owner === null) continue;
    const holder = parseClaimHolder(row.rebuild_holder);
    if (holder?.owner !== row.rebuild_owner || !claimHolderIsGone(holder)) break;
    const taken = await readStore.db
      .updateTable(PROJECTION_STATE_TABLE)
      .set(set)
      .where('name', '=', name)
      .where('rebuild_owner', '=', row.rebuild_owner)
      .executeTakeFirst();
    if (taken.numUpdatedRows > 0n) return;
  }
  throw new RebuildInProgressError(name);
}

export async function releaseRebuildClaim(readStore: ReadStore, name: string, owner: string): Promise<void> {
  await readStore.db
    .updateTable(PROJECTION_STATE_TABLE)
    .set({ status: 'live', rebuild_owner: null, rebuild_holder: null, rebuild_heartbeat_at: null })
    .where('name', '=', name)
    .where('rebuild_owner', '=', owner)
    .execute();
}
