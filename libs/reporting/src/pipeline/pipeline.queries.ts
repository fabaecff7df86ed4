import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { BadUserInputError, OPEN_DEAL_STAGES, STAGE_PROBABILITY, type OpenDealStage } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { assertTeamReadable } from '../kpis/common/scope';
import { num, str, type Db } from '../kpis/common/sql';
import { REPORTS_CLOCK, type ReportsClock } from '../kpis/common/tokens';
import { instantMs } from '../kpis/common/time';
import { PIPELINE_PROJECTION_NAME, PIPELINE_TABLES, pipelineOrgTables, STEP_MEASURES, stepColumns } from './pipeline.projection';
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
    const out = new Map<string, OpenPipeline>();
    for (const row of await this.openSteps(this.access.db, filter, at)) {
      const repId = str(row.rep_id);
      const current = out.get(repId) ?? { ...EMPTY_PIPELINE };
      let dealCount = 0;
      let valueMinor = 0;
      let weightedPercent = 0;
      for (const stage of OPEN_DEAL_STAGES) {
        const c = stepColumns(stage);
        const value = num(row[c.value]);
        dealCount += num(row[c.count]);
        valueMinor += value;
        weightedPercent += value * PERCENT[stage];
      }
      out.set(repId, {
        dealCount: current.dealCount + dealCount,
        valueMinor: current.valueMinor + valueMinor,
        weightedMinor: current.weightedMinor + weightedPercent / 100,
      });
    }
    return out;
  }

  private async openByStage(db: Db, filter: PipelineFilter, at: number): Promise<Map<string, { dealCount: number; valueMinor: number }>> {
    const out = new Map<string, { dealCount: number; valueMinor: number }>();
    for (const row of await this.openSteps(db, filter, at)) {
      for (const stage of OPEN_DEAL_STAGES) {
        const c = stepColumns(stage);
        const s = out.get(stage) ?? { dealCount: 0, valueMinor: 0 };
        out.set(stage, { dealCount: s.dealCount + num(row[c.count]), valueMinor: s.valueMinor + num(row[c.value]) });
      }
    }
    return out;
  }

  /**
   * The open pipeline at `at` of each owner the filter selects: each rep's last step row at or
   * before `at` (one index seek per rep), the reps of a team being its members at `at`.
   */
  private async openSteps(db: Db, filter: PipelineFilter, at: number): Promise<Array<Record<string, unknown>>> {
    const steps = this.table(PIPELINE_TABLES.steps);
    const measures = STEP_MEASURES.map((m) => `s.${m}`);
    if (filter.teamId === undefined) {
      if (filter.repId === undefined) throw new Error('openSteps needs a team or a rep');
      const row = await db
        .selectFrom(`${steps} as s`)
        .select(['s.rep_id as rep_id', ...measures])
        .where('s.rep_id', '=', filter.repId)
        .where('s.changed_at', '<=', at)
        .orderBy('s.changed_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row ? [row as Record<string, unknown>] : [];
    }
    let q = db
      .selectFrom(`${this.table(PIPELINE_TABLES.members)} as m`)
      .innerJoin(`${steps} as s`, (j) =>
        j
          .onRef('s.rep_id', '=', 'm.rep_id')
          .on(
            's.changed_at',
            '=',
            sql<number>`(select max(x.changed_at) from ${sql.table(steps)} as x where x.rep_id = m.rep_id and x.changed_at <= ${at})`,
          ),
      )
      .select(['m.rep_id as rep_id', ...measures])
      .where('m.team_id', '=', filter.teamId)
      .where('m.valid_from', '<=', at)
      .where('m.valid_to', '>', at);
    if (filter.repId !== undefined) q = q.where('m.rep_id', '=', filter.repId);
    return (await q.execute()) as Array<Record<string, unknown>>;
  }
}
