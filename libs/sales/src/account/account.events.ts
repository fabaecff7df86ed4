import type { DomainEvent } from '@kam/kernel';

export type AccountRegistered = DomainEvent<
  'AccountRegistered',
  { accountId: string; name: string; taxId: string | null; industry: string | null; ownerRepId: string }
>;
export type AccountReassigned = DomainEvent<
  'AccountReassigned',
  { accountId: string; fromRepId: string; ownerRepId: string }
>;

export type AccountEvent = AccountRegistered | AccountReassigned;
