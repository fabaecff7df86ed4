import type { RepHired, RepOffboarded, RepTransferred, TeamFormed } from '@kam/org';
import { indexName, NO_TEAM, str, type Db } from './sql';

/**
 * Team membership of reps by business time, kept by every report read model that attributes
 * anything to a team (each its own copy, so each rebuilds alone): intervals [valid_from,
 * valid_to) per rep, one open interval (valid_to = OPEN_END) while the rep is in a team.
 * "Team of rep R at instant T" is resolved from these intervals whenever it is needed, so the
 * answer does not depend on the log order of rep and deal events (history import).
 */
export interface OrgTables {
  /** Teams that were formed (team_id). */
  teams: string;
  /** Membership intervals (rep_id, team_id, valid_from, valid_to). */
  members: string;
}

export const ORG_EVENT_TYPES = ['TeamFormed', 'RepHired', 'RepTransferred', 'RepOffboarded'] as const;
export type OrgEventType = (typeof ORG_EVENT_TYPES)[number];
export type OrgEvent = TeamFormed | RepHired | RepTransferred | RepOffboarded;

export async function createOrgTables(db: Db, t: OrgTables): Promise<void> {
  await db.schema.createTable(t.teams).ifNotExists().addColumn('team_id', 'text', (c) => c.primaryKey()).execute();
  await db.schema
    .createTable(t.members)
    .ifNotExists()
    .addColumn('rep_id', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'bigint', (c) => c.notNull())
    .addColumn('valid_to', 'bigint', (c) => c.notNull())
    .addColumn('team_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint(indexName(t.members, 'pk'), ['rep_id', 'valid_from'])
    .execute();
  await db.schema
    .createIndex(indexName(t.members, 'team'))
    .ifNotExists()
    .on(t.members)
    .columns(['team_id', 'valid_from'])
    .execute();
}

/** Which rep's membership changed, from which instant on (facts closed since then may move team). */
export interface MembershipChange {
  repId: string;
  since: number;
}

export interface MembershipInterval {
  repId: string;
  teamId: string;
  from: number;
  to: number;
}

export async function teamExists(db: Db, teams: string, teamId: string): Promise<boolean> {
  return (await db.selectFrom(teams).select('team_id').where('team_id', '=', teamId).executeTakeFirst()) !== undefined;
}

/** The team of the rep's latest membership (the current one, or the last before offboarding); null for an unknown rep. */
export async function latestTeamOf(db: Db, members: string, repId: string): Promise<string | null> {
  const row = await db
    .selectFrom(members)
    .select('team_id')
    .where('rep_id', '=', repId)
    .orderBy('valid_from', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? str(row.team_id) : null;
}

/** The team of the latest interval containing `at`, or NO_TEAM. */
export function teamIn(intervals: readonly MembershipInterval[], at: number): string {
  let teamId = NO_TEAM;
  for (const i of intervals) if (i.from <= at && at < i.to) teamId = i.teamId;
  return teamId;
}
