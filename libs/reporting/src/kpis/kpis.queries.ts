import { Inject, Injectable } from '@nestjs/common';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { PipelineQueries, type OpenPipeline } from '../pipeline/pipeline.queries';
import { sumLedger } from './common/ledger';
import type { MembershipInterval } from './common/membership';
import { assertRepReadable, assertTeamReadable } from './common/scope';
import { compareIds, num, str } from './common/sql';
import { REPORTS_CLOCK, type ReportsClock } from './common/tokens';
import { membershipDays, monthIndexOfDay, proratedQuota, resolvePeriod, type Period, type ResolvedPeriod } from './common/time';
import { KPI_PROJECTION_NAME, KPI_TABLES, kpiLedger, kpiOrgTables } from './kpis.projection';
import { addTotals, kpisOf, ZERO_TOTALS, type KpiTotals } from './kpis.math';
import type { RepPerformance, TeamPerformance } from './kpis.model';

export const LEADERBOARD_METRICS = ['WON_VALUE', 'WON_COUNT', 'WIN_RATE', 'QUOTA_ATTAINMENT'] as const;
export type LeaderboardMetric = (typeof LEADERBOARD_METRICS)[number];

/**
 * teamPerformance, repPerformance and leaderboard. Closed-deal KPIs come from the per-rep
 * per-team per-month aggregates (day rows only for the partial months at the period's edges);
 * the quota from monthly quotas × membership days; open pipeline from the pipeline read model at
 * the end of the period or now, whichever is earlier.
 */
@Injectable()
export class KpiQueries {
  constructor(
    @Inject(READ_MODEL_ACCESS) private readonly access: ReadModelAccess,
    private readonly pipeline: PipelineQueries,
    @Inject(REPORTS_CLOCK) private readonly clock: ReportsClock,
  ) {}

  private readonly table = (logical: string): string => this.access.table(KPI_PROJECTION_NAME, logical);

  async teamPerformance(scope: ReadScope, teamId: string, period: Period): Promise<TeamPerformance> {
    const p = resolvePeriod(period);
    const db = this.access.db;
    await assertTeamReadable(db, kpiOrgTables(this.table), scope, teamId);

    const { intervals, quotas } = await this.membersAndQuotas(teamId, p);
    const closed = new Map((await sumLedger(db, kpiLedger(this.table), { teamIds: [teamId] }, p.fromDay, p.toDay, ['rep_id'])).map((r) => [str(r.rep_id), r]));
    const open = await this.pipeline.openByRep({ teamId }, this.pipelineInstant(p));

    const repIds = new Set<string>([...intervals.keys(), ...closed.keys(), ...open.keys()]);
    // Reps of the closed or open figures that had no interval in the period (the pipeline instant
    // is "now" when the period lies ahead): their quotas in a second, rarely needed, statement.
    const others = [...repIds].filter((r) => !intervals.has(r));
    if (others.length > 0) for (const [repId, months] of await this.quotas(others, p)) quotas.set(repId, months);
    const reps = [...repIds].sort(compareIds).map((repId) => {
      const totals: KpiTotals = {
        ...closedTotals(closed.get(repId)),
        ...openTotals(open.get(repId)),
        quotaMinor: Math.round(teamQuota(quotas.get(repId), intervals.get(repId) ?? [], p)),
      };
      return { repId, totals };
    });
    const team = reps.reduce((sum, r) => addTotals(sum, r.totals), ZERO_TOTALS);
    return { teamId, kpis: kpisOf(team), reps: reps.map((r) => ({ repId: r.repId, kpis: kpisOf(r.totals) })) };
  }

  async repPerformance(scope: ReadScope, repId: string, period: Period): Promise<RepPerformance> {
    const p = resolvePeriod(period);
    const db = this.access.db;
    await assertRepReadable(db, kpiOrgTables(this.table), scope, repId);
    const [closed] = await sumLedger(db, kpiLedger(this.table), { teamIds: null, dims: { rep_id: repId } }, p.fromDay, p.toDay, []);
    const open = await this.pipeline.openByRep({ repId }, this.pipelineInstant(p));
    const quotas = await this.quotas([repId], p);
    const totals: KpiTotals = {
      ...closedTotals(closed),
      ...openTotals(open.get(repId)),
      quotaMinor: Math.round(proratedQuota(quotas.get(repId) ?? new Map(), p.fromDay, p.toDay)),
    };
    return { repId, kpis: kpisOf(totals) };
  }

  /** The team's members during the period, best first by `metric`; nulls last, ties by repId. */
  async leaderboard(scope: ReadScope, teamId: string, period: Period, metric: LeaderboardMetric): Promise<RepPerformance[]> {
    const { reps } = await this.teamPerformance(scope, teamId, period);
    const value = (r: RepPerformance): number | null => {
      switch (metric) {
        case 'WON_VALUE':
          return r.kpis.wonValue;
        case 'WON_COUNT':
          return r.kpis.wonCount;
        case 'WIN_RATE':
          return r.kpis.winRate;
        case 'QUOTA_ATTAINMENT':
          return r.kpis.quotaAttainment;
      }
    };
    return [...reps].sort((a, b) => {
      const va = value(a);
      const vb = value(b);
      if (va === null && vb !== null) return 1;
      if (vb === null && va !== null) return -1;
      if (va !== null && vb !== null && va !== vb) return vb - va;
      return compareIds(a.repId, b.repId);
    });
  }

  /** The end of the period or now, whichever is earlier (the last millisecond of the period). */
  private pipelineInstant(p: ResolvedPeriod): number {
    return Math.min(p.endMs - 1, this.clock().getTime());
  }

  /**
   * The team's membership intervals overlapping the period, per rep, with those reps' monthly
   * quotas over the period's months: one statement (membership ⟕ quotas).
   */
  private async membersAndQuotas(
    teamId: string,
    p: ResolvedPeriod,
  ): Promise<{ intervals: Map<string, MembershipInterval[]>; quotas: Map<string, Map<number, number>> }> {
    const rows = await this.access.db
      .selectFrom(`${this.table(KPI_TABLES.members)} as m`)
      .leftJoin(`${this.table(KPI_TABLES.quotas)} as q`, (j) =>
        j.onRef('q.rep_id', '=', 'm.rep_id').on('q.month', '>=', monthIndexOfDay(p.fromDay)).on('q.month', '<=', monthIndexOfDay(p.toDay)),
      )
      .select(['m.rep_id as rep_id', 'm.team_id as team_id', 'm.valid_from as valid_from', 'm.valid_to as valid_to', 'q.month as month', 'q.amount_minor as amount_minor'])
      .where('m.team_id', '=', teamId)
      .where('m.valid_from', '<', p.endMs)
      .where('m.valid_to', '>', p.startMs)
      .execute();
    const intervals = new Map<string, MembershipInterval[]>();
    const quotas = new Map<string, Map<number, number>>();
    const seen = new Set<string>();
    for (const row of rows) {
      const repId = str(row.rep_id);
      const from = num(row.valid_from);
      const key = `${repId}|${from}`;
      if (!seen.has(key)) {
        seen.add(key);
        const list = intervals.get(repId) ?? [];
        list.push({ repId, teamId: str(row.team_id), from, to: num(row.valid_to) });
        intervals.set(repId, list);
      }
      if (row.month === null || row.month === undefined) continue;
      const months = quotas.get(repId) ?? new Map<number, number>();
      months.set(num(row.month), num(row.amount_minor));
      quotas.set(repId, months);
    }
    return { intervals, quotas };
  }

  /** Monthly quotas (month index → minor units) of these reps over the period's months. */
  private async quotas(repIds: readonly string[], p: ResolvedPeriod): Promise<Map<string, Map<number, number>>> {
    const out = new Map<string, Map<number, number>>();
    if (repIds.length === 0) return out;
    const rows = await this.access.db
      .selectFrom(this.table(KPI_TABLES.quotas))
      .selectAll()
      .where('rep_id', 'in', [...repIds])
      .where('month', '>=', monthIndexOfDay(p.fromDay))
      .where('month', '<=', monthIndexOfDay(p.toDay))
      .execute();
    for (const row of rows) {
      const repId = str(row.rep_id);
      const months = out.get(repId) ?? new Map<number, number>();
      months.set(num(row.month), num(row.amount_minor));
      out.set(repId, months);
    }
    return out;
  }
}

/** A member's quota in a team: prorated over the days of the period they were in it. */
function teamQuota(quotas: ReadonlyMap<number, number> | undefined, intervals: readonly MembershipInterval[], p: ResolvedPeriod): number {
  if (!quotas) return 0;
  let total = 0;
  for (const interval of intervals) {
    const days = membershipDays(interval.from, interval.to);
    if (!days) continue;
    total += proratedQuota(quotas, Math.max(days.from, p.fromDay), Math.min(days.to, p.toDay));
  }
  return total;
}

function closedTotals(row: Record<string, unknown> | undefined): Pick<KpiTotals, 'wonCount' | 'wonValueMinor' | 'lostCount' | 'lostValueMinor' | 'wonCycleMs'> {
  return {
    wonCount: num(row?.won_count),
    wonValueMinor: num(row?.won_value),
    lostCount: num(row?.lost_count),
    lostValueMinor: num(row?.lost_value),
    wonCycleMs: num(row?.won_cycle_ms),
  };
}

function openTotals(open: OpenPipeline | undefined): Pick<KpiTotals, 'openValueMinor' | 'weightedMinor'> {
  return { openValueMinor: open?.valueMinor ?? 0, weightedMinor: open?.weightedMinor ?? 0 };
}
