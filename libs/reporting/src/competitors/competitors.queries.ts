import { Inject, Injectable } from '@nestjs/common';
import type { ReadScope } from '@kam/graphql';
import { inListChunks, type ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { sumLedger } from '../kpis/common/ledger';
import { teamsCovered } from '../kpis/common/scope';
import { compareIds, num, ratio, str } from '../kpis/common/sql';
import { resolvePeriod, type Period } from '../kpis/common/time';
import { COMPETITOR_PROJECTION_NAME, COMPETITOR_TABLES, competitorLedger, competitorOrgTables } from './competitors.projection';
import type { CompetitorStats } from './competitors.model';

@Injectable()
export class CompetitorQueries {
  constructor(@Inject(READ_MODEL_ACCESS) private readonly access: ReadModelAccess) {}

  private readonly table = (logical: string): string => this.access.table(COMPETITOR_PROJECTION_NAME, logical);

  /** Competitors met on deals closed in the period; most deals faced first, then by name. */
  async competitorAnalysis(scope: ReadScope, period: Period, teamId?: string | null): Promise<CompetitorStats[]> {
    const p = resolvePeriod(period);
    const db = this.access.db;
    const teamIds = await teamsCovered(db, competitorOrgTables(this.table), scope, teamId, 'competitorAnalysis');
    const rows = (await sumLedger(db, competitorLedger(this.table), { teamIds }, p.fromDay, p.toDay, ['competitor_key'])).filter(
      (r) => num(r.won_against) + num(r.lost_on) > 0,
    );
    const names = new Map<string, string>();
    for (const chunk of inListChunks(rows.map((r) => str(r.competitor_key)), 500)) {
      const found = await db.selectFrom(this.table(COMPETITOR_TABLES.names)).selectAll().where('competitor_key', 'in', chunk).execute();
      for (const row of found) names.set(str(row.competitor_key), str(row.name));
    }
    return rows
      .map((r) => {
        const wonAgainst = num(r.won_against);
        const lostAgainst = num(r.lost_on);
        return {
          competitor: names.get(str(r.competitor_key)) ?? str(r.competitor_key),
          wonAgainst,
          lostTo: num(r.lost_to),
          valueLostTo: num(r.value_lost_to),
          lostAgainst,
          winRateAgainst: ratio(wonAgainst, wonAgainst + lostAgainst),
        };
      })
      .sort((a, b) => b.wonAgainst + b.lostAgainst - (a.wonAgainst + a.lostAgainst) || compareIds(a.competitor, b.competitor));
  }
}
