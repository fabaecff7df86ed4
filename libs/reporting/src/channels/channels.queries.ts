import { Inject, Injectable } from '@nestjs/common';
import { SALES_CHANNELS, type SalesChannel } from '@kam/kernel';
import type { ReadScope } from '@kam/graphql';
import type { ReadModelAccess } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '../feed/read-freshness';
import { sumLedger } from '../kpis/common/ledger';
import { assertRepReadable, assertTeamReadable } from '../kpis/common/scope';
import { num, ratio, str } from '../kpis/common/sql';
import { OPEN_END, resolvePeriod, type Period } from '../kpis/common/time';
import { CHANNEL_PROJECTION_NAME, CHANNEL_TABLES, channelLedger, channelOrgTables } from './channels.projection';
import type { ChannelPerformance, ChannelSpan } from './channels.model';

@Injectable()
export class ChannelQueries {
  constructor(@Inject(READ_MODEL_ACCESS) private readonly access: ReadModelAccess) {}

  private readonly table = (logical: string): string => this.access.table(CHANNEL_PROJECTION_NAME, logical);

  /** Every channel, in enum order: deals closed in the period while their owner was in the team. */
  async channelPerformance(scope: ReadScope, teamId: string, period: Period): Promise<ChannelPerformance[]> {
    const p = resolvePeriod(period);
    const db = this.access.db;
    await assertTeamReadable(db, channelOrgTables(this.table), scope, teamId);
    const rows = await sumLedger(db, channelLedger(this.table), { teamIds: [teamId] }, p.fromDay, p.toDay, ['channel']);
    const byChannel = new Map(rows.map((r) => [str(r.channel), r]));
    const totalWon = rows.reduce((sum, r) => sum + num(r.won_value), 0);
    return SALES_CHANNELS.map((channel) => {
      const row = byChannel.get(channel);
      const wonCount = num(row?.won_count);
      const lostCount = num(row?.lost_count);
      const wonValue = num(row?.won_value);
      return { channel, wonCount, wonValue, lostCount, winRate: ratio(wonCount, wonCount + lostCount), share: ratio(wonValue, totalWon) };
    });
  }

  /** The rep's own channel over time, oldest first. */
  async channelHistory(scope: ReadScope, repId: string): Promise<ChannelSpan[]> {
    const db = this.access.db;
    await assertRepReadable(db, channelOrgTables(this.table), scope, repId);
    const rows = await db
      .selectFrom(this.table(CHANNEL_TABLES.spans))
      .selectAll()
      .where('rep_id', '=', repId)
      .orderBy('valid_from')
      .execute();
    return rows
      .filter((r) => num(r.valid_to) > num(r.valid_from))
      .map((r) => ({
        channel: str(r.channel) as SalesChannel,
        from: new Date(num(r.valid_from)).toISOString(),
        to: num(r.valid_to) >= OPEN_END ? null : new Date(num(r.valid_to)).toISOString(),
      }));
  }
}
