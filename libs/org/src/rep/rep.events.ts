import type { DomainEvent, MinorUnits, SalesChannel } from '@kam/kernel';

export type RepHired = DomainEvent<
  'RepHired',
  { repId: string; name: string; email: string; teamId: string; channel: SalesChannel }
>;
export type RepTransferred = DomainEvent<'RepTransferred', { repId: string; fromTeamId: string; teamId: string }>;
export type RepChannelChanged = DomainEvent<
  'RepChannelChanged',
  { repId: string; fromChannel: SalesChannel; channel: SalesChannel; reason: string | null }
>;
/** `month` is "YYYY-MM"; setting a month again replaces it. */
export type RepQuotaSet = DomainEvent<'RepQuotaSet', { repId: string; month: string; amountMinor: MinorUnits }>;
export type RepOffboarded = DomainEvent<'RepOffboarded', { repId: string; reassignOpenDealsTo: string | null }>;

export type RepEvent = RepHired | RepTransferred | RepChannelChanged | RepQuotaSet | RepOffboarded;
