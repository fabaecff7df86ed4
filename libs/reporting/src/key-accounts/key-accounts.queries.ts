import { Inject, Injectable } from '@nestjs/common';
import { BadUserInputError } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { sumLedger } from '../kpis/common/ledger';
import { teamsCovered } from '../kpis/common/scope';
import { chunks, compareIds, num, str } from '../kpis/common/sql';
import { resolvePeriod, type Period } from '../kpis/common/time';
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
    const rows = await sumLedger(db, keyAccountLedger(this.table), { teamIds }, p.fromDay, p.toDay, ['account_id']);
    const revenues = rows.map((r) => ({ accountId: str(r.account_id), revenue: num(r.won_value) })).filter((r) => r.revenue > 0);

    const names = new Map<string, string>();
    for (const chunk of chunks(revenues.map((r) => r.accountId), 500)) {
      const found = await db.selectFrom(this.table(KEY_ACCOUNT_TABLES.accounts)).selectAll().where('account_id', 'in', chunk).execute();
      for (const row of found) names.set(str(row.account_id), str(row.name));
    }
    revenues.sort(
      (a, b) =>
        b.revenue - a.revenue || compareIds(names.get(a.accountId) ?? '', names.get(b.accountId) ?? '') || compareIds(a.accountId, b.accountId),
    );

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
}
