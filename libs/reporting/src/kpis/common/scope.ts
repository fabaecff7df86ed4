import { NotFoundError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { latestTeamOf, teamExists, type OrgTables } from './membership';
import type { Db } from './sql';

/**
 * Who may read which report (product.md §5), in one place. Out of scope reads exactly like
 * missing: NOT_FOUND, never FORBIDDEN, so nothing leaks about what exists.
 * - `all`: everything;
 * - `teams`: the reports of those teams, and of reps whose (latest) team is one of them;
 * - `rep`: only their own rep reports; every team report is NOT_FOUND.
 */
export async function assertTeamReadable(db: Db, org: OrgTables, scope: ReadScope, teamId: string): Promise<void> {
  if (scope.kind === 'rep') throw new NotFoundError('Team', teamId);
  if (scope.kind === 'teams' && !scope.teamIds.includes(teamId)) throw new NotFoundError('Team', teamId);
  if (!(await teamExists(db, org.teams, teamId))) throw new NotFoundError('Team', teamId);
}

/** Checks the rep is visible and known; returns the team of their latest membership. */
export async function assertRepReadable(db: Db, org: OrgTables, scope: ReadScope, repId: string): Promise<string> {
  if (scope.kind === 'rep' && scope.repId !== repId) throw new NotFoundError('Rep', repId);
  const teamId = await latestTeamOf(db, org.members, repId);
  if (teamId === null) throw new NotFoundError('Rep', repId);
  if (scope.kind === 'teams' && !scope.teamIds.includes(teamId)) throw new NotFoundError('Rep', repId);
  return teamId;
}

/**
 * The teams an organisation-wide report (key accounts, competitors, training effect) covers:
 * the one asked for (checked like any team report), else every team (null) for `all`, the
 * scope's own teams for `teams`; a rep has no organisation-wide report.
 */
export async function teamsCovered(
  db: Db,
  org: OrgTables,
  scope: ReadScope,
  teamId: string | null | undefined,
  report: string,
): Promise<readonly string[] | null> {
  if (teamId !== null && teamId !== undefined) {
    await assertTeamReadable(db, org, scope, teamId);
    return [teamId];
  }
  switch (scope.kind) {
    case 'all':
      return null;
    case 'teams':
      return scope.teamIds;
    case 'rep':
      throw new NotFoundError('Report', report);
  }
}
