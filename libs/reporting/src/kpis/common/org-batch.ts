import { assertNever } from '@kam/kernel';
import type { Handled } from './events';
import { teamIn, type MembershipChange, type MembershipInterval, type OrgEventType, type OrgTables } from './membership';
import { num, str } from './sql';
import type { Statements } from './statements';
import { OPEN_END } from './time';

/**
 * Team membership (membership.ts) as one projection batch writes and reads it: org events are
 * written as they come (they are rare), and each rep's intervals are read at most once per batch
 * and kept until an org event of that rep changes them.
 */
export class OrgBatch {
  private readonly intervals = new Map<string, MembershipInterval[]>();

  constructor(
    private readonly sql: Statements,
    private readonly tables: OrgTables,
  ) {}

  async apply(event: Handled<OrgEventType>): Promise<MembershipChange | null> {
    switch (event.type) {
      case 'TeamFormed':
        await this.sql.run(`insert into "${this.tables.teams}" (team_id) values (?) on conflict (team_id) do nothing`, [event.data.teamId]);
        return null;
      case 'RepHired':
      case 'RepTransferred':
        await this.closeOpenInterval(event.data.repId, event.at);
        // Two membership events at the same instant: the later one replaces the zero-length interval.
        await this.sql.run(
          `insert into "${this.tables.members}" (rep_id, team_id, valid_from, valid_to) values (?, ?, ?, ?) ` +
            `on conflict (rep_id, valid_from) do update set team_id = excluded.team_id, valid_to = excluded.valid_to`,
          [event.data.repId, event.data.teamId, event.at, OPEN_END],
        );
        return { repId: event.data.repId, since: event.at };
      case 'RepOffboarded':
        await this.closeOpenInterval(event.data.repId, event.at);
        return { repId: event.data.repId, since: event.at };
      default:
        return assertNever(event);
    }
  }

  private async closeOpenInterval(repId: string, at: number): Promise<void> {
    this.intervals.delete(repId);
    // A rep stream's business time never goes back, so the open interval starts at or before `at`.
    await this.sql.run(`update "${this.tables.members}" set valid_to = ? where rep_id = ? and valid_to = ?`, [at, repId, OPEN_END]);
  }

  /** The team the rep was in at `at`, or NO_TEAM. */
  async teamAt(repId: string, at: number): Promise<string> {
    let list = this.intervals.get(repId);
    if (!list) {
      const rows = await this.sql.all(`select team_id, valid_from, valid_to from "${this.tables.members}" where rep_id = ? order by valid_from`, [repId]);
      list = rows.map((r) => ({ repId, teamId: str(r.team_id), from: num(r.valid_from), to: num(r.valid_to) }));
      this.intervals.set(repId, list);
    }
    return teamIn(list, at);
  }
}
