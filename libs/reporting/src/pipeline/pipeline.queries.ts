import { Inject, Injectable } from '@nestjs/common';
import { BadUserInputError, OPEN_DEAL_STAGES, STAGE_PROBABILITY, type OpenDealStage } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { assertTeamReadable } from '../kpis/common/scope';
import { num, str, type Db } from '../kpis/common/sql';
import { REPORTS_CLOCK, type ReportsClock } from '../kpis/common/tokens';
import { epochDay, instantMs, monthIndexOfDay } from '../kpis/common/time';
import { PIPELINE_PROJECTION_NAME, PIPELINE_TABLES, pipelineOrgTables } from './pipeline.projection';
import type { Pipeline } from './pipeline.model';

/** Stage probabilities as whole percents, so weighted sums stay exact integers until formatted. */
const PERCENT: Readonly<Record<OpenDealStage, number>> = Object.fromEntries(
  OPEN_DEAL_STAGES.map((s) => [s, Math.round(STAGE_PROBABILITY[s] * 100)]),
) as Record<OpenDealStage, number>;

/** Open pipeline of one owner (or a whole team) at an instant, in minor units. */
export interface OpenPipeline {
  dealCount: number;
  valueMinor: number;
  /** Σ value × probability (minor units, possibly fractional: rounded only as Money). */
  weightedMinor: number;
}

export const EMPTY_PIPELINE: OpenPipeline = { dealCount: 0, valueMinor: 0, weightedMinor: 0 };

export interface PipelineFilter {
  /** Deals whose owner at the instant was in this team at the instant. */
  teamId?: string;
  /** Deals owned by this rep at the instant. */
  repId?: string;
}

@Injectable()
export class PipelineQueries {
  constructor(
    @Inject(READ_MODEL_ACCESS) private readonly access: ReadModelAccess,
    @Inject(REPORTS_CLOCK) private readonly clock: ReportsClock,
  ) {}

  private table(logical: string): string {
    return this.access.table(PIPELINE_PROJECTION_NAME, logical);
  }

  /** `pipeline(teamId, asOf)`: the team's deals open at asOf (default now), by stage. */
  async pipeline(scope: ReadScope, teamId: string, asOf?: string | null): Promise<Pipeline> {
    const db = this.access.db;
    await assertTeamReadable(db, pipelineOrgTables((l) => this.table(l)), scope, teamId);
    let at = this.clock().getTime();
    if (asOf !== null && asOf !== undefined) {
      if (Number.isNaN(Date.parse(asOf))) throw new BadUserInputError([{ field: 'asOf', message: 'must be an ISO-8601 instant' }]);
      at = instantMs(asOf);
    }
    const byStage = await this.openByStage(db, { teamId }, at);
    const stages = OPEN_DEAL_STAGES.map((stage) => {
      const s = byStage.get(stage) ?? { dealCount: 0, valueMinor: 0 };
      return { stage, dealCount: s.dealCount, value: s.valueMinor, weightedValue: (s.valueMinor * PERCENT[stage]) / 100 };
    });
    return {
      asOf: new Date(at).toISOString(),
      dealCount: stages.reduce((n, s) => n + s.dealCount, 0),
      openPipelineValue: stages.reduce((n, s) => n + s.value, 0),
      weightedPipelineValue: stages.reduce((n, s) => n + s.value * PERCENT[s.stage], 0) / 100,
      stages,
    };
  }

  /** Open pipeline at `at` per owner (the performance reports' openPipelineValue). */
  async openByRep(filter: PipelineFilter, at: number): Promise<Map<string, OpenPipeline>> {
    const rows = await this.openRows(this.access.db, filter, at, true);
    const out = new Map<string, OpenPipeline>();
    for (const row of rows) {
      const repId = str(row.rep_id);
      const current = out.get(repId) ?? { ...EMPTY_PIPELINE };
      const stage = str(row.stage) as OpenDealStage;
      const value = num(row.value_minor);
      out.set(repId, {
        dealCount: current.dealCount + num(row.deal_count),
        valueMinor: current.valueMinor + value,
        weightedMinor: current.weightedMinor + (value * PERCENT[stage]) / 100,
      });
    }
    return out;
  }

  private async openByStage(db: Db, filter: PipelineFilter, at: number): Promise<Map<string, { dealCount: number; valueMinor: number }>> {
    const out = new Map<string, { dealCount: number; valueMinor: number }>();
    for (const r of await this.openRows(db, filter, at, false)) {
      const s = out.get(str(r.stage)) ?? { dealCount: 0, valueMinor: 0 };
      out.set(str(r.stage), { dealCount: s.dealCount + num(r.deal_count), valueMinor: s.valueMinor + num(r.value_minor) });
    }
    return out;
  }

  /**
   * Open deals at `at` grouped by stage (and owner): the deals open now whose current state began
   * by `at`, plus the ended states of at's month that covered `at`.
   */
  private async openRows(db: Db, filter: PipelineFilter, at: number, byRep: boolean): Promise<Array<Record<string, unknown>>> {
    const members = this.table(PIPELINE_TABLES.members);
    const month = monthIndexOfDay(epochDay(at));
    const current = db
      .selectFrom(`${this.table(PIPELINE_TABLES.deals)} as i`)
      .where('i.is_open', '=', 1)
      .where('i.since', '<=', at);
    const ended = db
      .selectFrom(`${this.table(PIPELINE_TABLES.history)} as i`)
      .where('i.month', '=', month)
      .where('i.valid_from', '<=', at)
      .where('i.valid_to', '>', at);
    const rows: Array<Record<string, unknown>> = [];
    for (let q of [current, ended]) {
      if (filter.repId !== undefined) q = q.where('i.rep_id', '=', filter.repId);
      if (filter.teamId !== undefined) {
        q = q
          .innerJoin(`${members} as m`, (j) => j.onRef('m.rep_id', '=', 'i.rep_id').on('m.valid_from', '<=', at).on('m.valid_to', '>', at))
          .where('m.team_id', '=', filter.teamId);
      }
      let grouped = q
        .select((eb) => ['i.stage as stage', eb.fn.countAll().as('deal_count'), eb.fn.sum('i.value_minor').as('value_minor')])
        .groupBy('i.stage');
      if (byRep) grouped = grouped.select('i.rep_id as rep_id').groupBy('i.rep_id');
      rows.push(...((await grouped.execute()) as Array<Record<string, unknown>>));
    }
    return rows;
  }
}
