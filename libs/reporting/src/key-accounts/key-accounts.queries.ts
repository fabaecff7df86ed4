import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { BadUserInputError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import { inListChunks, type ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { sumLedger } from '../kpis/common/ledger';
import { teamsCovered } from '../kpis/common/scope';
import { compareIds, num, str } from '../kpis/common/sql';
import { resolvePeriod, splitDays, type Period } from '../kpis/common/time';
import { KEY_ACCOUNT_PROJECTION_NAME, KEY_ACCOUNT_TABLES, keyAccountLedger, keyAccountOrgTables } from './key-accounts.projection';
import type { KeyAccountReport, KeyAccountTier } from './key-accounts.model';

export const DEFAULT_KEY_ACCOUNT_THRESHOLD = 0.8;
/** Where tier B ends (product.md §3). */
const TIER_B_LIMIT = 0.95;

@Injectable()
export class KeyAccountQueries {
  constructor(@Inject(READ_MODEL_ACCESS) private readonly access: ReadModelAccess) {}

  private readonly table = (logical: string): string => this.access.table(KEY_ACCOUNT_PROJECTION_NAME, logical);

  /**
   * Accounts ranked by revenue won in the period (ties: name, then id); tier A while the share of
   * the accounts ranked above is < threshold, B while < 0.95, else C.
   */
  async keyAccounts(scope: ReadScope, period: Period, threshold = DEFAULT_KEY_ACCOUNT_THRESHOLD, teamId?: string | null): Promise<KeyAccountReport> {
    const p = resolvePeriod(period);
    if (!Number.isFinite(threshold) || threshold <= 0 || threshold > 1) {
      throw new BadUserInputError([{ field: 'threshold', message: 'must be a share above 0 and at most 1' }]);
    }
    const db = this.access.db;
    const teamIds = await teamsCovered(db, keyAccountOrgTables(this.table), scope, teamId, 'keyAccounts');
    const revenues = (teamIds === null ? await this.everyTeamRevenues(p.fromDay, p.toDay) : await this.teamRevenues(teamIds, p.fromDay, p.toDay)).filter(
      (r) => r.revenue > 0,
    );
    revenues.sort((a, b) => b.revenue - a.revenue || compareIds(a.name, b.name) || compareIds(a.accountId, b.accountId));

    // Shares from integer sums, divided once: 0.5 + 0.2 + 0.1 is exactly 0.8 here, as it should.
    const total = revenues.reduce((sum, r) => sum + r.revenue, 0);
    let before = 0;
    const accounts = revenues.map((r, i) => {
      const shareBefore = before / total;
      before += r.revenue;
      const tier: KeyAccountTier = shareBefore < threshold ? 'A' : shareBefore < TIER_B_LIMIT ? 'B' : 'C';
      return { rank: i + 1, accountId: r.accountId, revenue: r.revenue, share: r.revenue / total, cumulativeShare: before / total, tier };
    });
    return {
      totalRevenue: total,
      hhi: total === 0 ? null : accounts.reduce((sum, a) => sum + a.share * a.share, 0),
      accounts,
    };
  }

  /** Revenue per account won by the given teams in the days [fromDay, toDay] (the team ledger), with names. */
  private async teamRevenues(teamIds: readonly string[], fromDay: number, toDay: number): Promise<AccountRevenue[]> {
    const db = this.access.db;
    const rows = await sumLedger(db, keyAccountLedger(this.table), { teamIds }, fromDay, toDay, ['account_id']);
    const revenues = rows.map((r) => ({ accountId: str(r.account_id), revenue: num(r.won_value), name: '' }));
    const names = new Map<string, string>();
    for (const chunk of inListChunks(revenues.filter((r) => r.revenue > 0).map((r) => r.accountId), 500)) {
      const found = await db.selectFrom(this.table(KEY_ACCOUNT_TABLES.accounts)).selectAll().where('account_id', 'in', chunk).execute();
      for (const row of found) names.set(str(row.account_id), str(row.name));
    }
    for (const r of revenues) r.name = names.get(r.accountId) ?? '';
    return revenues;
  }

  /**
   * Revenue per account won by every team (and outside any) in the days [fromDay, toDay], with
   * names, in one statement: the every-team month rows of the whole months and day rows of the
   * partial months at the edges, each a key range.
   */
  private async everyTeamRevenues(fromDay: number, toDay: number): Promise<AccountRevenue[]> {
    const db = this.access.db;
    const split = splitDays(fromDay, toDay);
    const arm = (logical: string, bucket: 'month' | 'day', ranges: ReadonlyArray<{ from: number; to: number }>) =>
      db
        .selectFrom(this.table(logical))
        .select(['account_id', sql<string>`sum(won_value)`.as('won_value')])
        .where((eb) => eb.or(ranges.map((r) => eb.between(bucket, r.from, r.to))))
        .groupBy('account_id');
    const arms = [
      ...(split.months ? [arm(KEY_ACCOUNT_TABLES.allMonth, 'month', [split.months])] : []),
      ...(split.days.length > 0 ? [arm(KEY_ACCOUNT_TABLES.allDay, 'day', split.days)] : []),
    ];
    const [first, second] = arms;
    if (!first) return [];
    const sums = second
      ? db
          .selectFrom(first.unionAll(second).as('u'))
          .select(['u.account_id as account_id', sql<string>`sum(u.won_value)`.as('won_value')])
          .groupBy('u.account_id')
      : first;
    const rows = await db
      .selectFrom(sums.as('s'))
      .leftJoin(`${this.table(KEY_ACCOUNT_TABLES.accounts)} as a`, 'a.account_id', 's.account_id')
      .select(['s.account_id as account_id', 's.won_value as won_value', 'a.name as name'])
      .execute();
    return rows.map((r) => ({ accountId: str(r.account_id), revenue: num(r.won_value), name: r.name === null ? '' : str(r.name) }));
  }
}

interface AccountRevenue {
  accountId: string;
  revenue: number;
  /** '' for an account never registered (it sorts first among equal revenues, as before). */
  name: string;
}
