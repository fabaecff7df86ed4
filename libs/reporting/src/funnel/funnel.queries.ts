import { Inject, Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { OPEN_DEAL_STAGES } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { assertTeamReadable } from '../kpis/common/scope';
import { num, ratio, str } from '../kpis/common/sql';
import { DAY_MS, OPEN_END, resolvePeriod, type Period } from '../kpis/common/time';
import { FUNNEL_PROJECTION_NAME, FUNNEL_TABLES, funnelOrgTables } from './funnel.projection';
import type { FunnelStage } from './funnel.model';

@Injectable()
export class FunnelQueries {
  constructor(@Inject(READ_MODEL_ACCESS) private readonly access: ReadModelAccess) {}

  private readonly table = (logical: string): string => this.access.table(FUNNEL_PROJECTION_NAME, logical);

  /**
   * The four open stages, in order: stays begun in the period by an owner who was in the team when
   * the deal entered the stage.
   */
  async stageFunnel(scope: ReadScope, teamId: string, period: Period): Promise<FunnelStage[]> {
    const p = resolvePeriod(period);
    const db = this.access.db;
    await assertTeamReadable(db, funnelOrgTables(this.table), scope, teamId);
    const ended = sql`s.left_at < ${OPEN_END}`;
    // The stays begun in the period by owners then in the team, from both tables (a deal's stays
    // of one stage may be in both), each read through its own key and joined before the union.
    const begun = (logical: string) =>
      db
        .selectFrom(`${this.table(logical)} as s`)
        .innerJoin(`${this.table(FUNNEL_TABLES.members)} as m`, (j) =>
          j.onRef('m.rep_id', '=', 's.rep_id').onRef('m.valid_from', '<=', 's.entered_at').onRef('m.valid_to', '>', 's.entered_at'),
        )
        .select(['s.stage as stage', 's.deal_id as deal_id', 's.advanced as advanced', 's.entered_at as entered_at', 's.left_at as left_at'])
        .where('m.team_id', '=', teamId)
        .where('s.entered_at', '>=', p.startMs)
        .where('s.entered_at', '<', p.endMs);
    const rows = await db
      .selectFrom(begun(FUNNEL_TABLES.stays).unionAll(begun(FUNNEL_TABLES.deals)).as('s'))
      .select([
        's.stage as stage',
        sql<string>`count(distinct s.deal_id)`.as('entered'),
        sql<string>`count(distinct case when s.advanced = 1 then s.deal_id end)`.as('advanced'),
        sql<string>`count(distinct case when ${ended} then null else s.deal_id end)`.as('still'),
        sql<string>`sum(case when ${ended} then s.left_at - s.entered_at else 0 end)`.as('stay_ms'),
        sql<string>`sum(case when ${ended} then 1 else 0 end)`.as('ended'),
      ])
      .groupBy('s.stage')
      .execute();
    const byStage = new Map(rows.map((r) => [str(r.stage), r]));
    return OPEN_DEAL_STAGES.map((stage) => {
      const row = byStage.get(stage);
      const entered = num(row?.entered);
      const advanced = num(row?.advanced);
      const meanMs = ratio(num(row?.stay_ms), num(row?.ended));
      return {
        stage,
        entered,
        advanced,
        conversion: ratio(advanced, entered),
        averageDaysInStage: meanMs === null ? null : meanMs / DAY_MS,
        stillInStage: num(row?.still),
      };
    });
  }
}
