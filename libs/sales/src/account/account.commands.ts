/**
 * Commands of the Account aggregate. Cross-aggregate facts (does the rep exist, is it active) are
 * loaded by the handler and passed in, so the decider stays pure. `occurredAt` is business time,
 * ISO-8601 UTC; its own rule is checked by the command executor.
 */
export interface RegisterAccount {
  type: 'RegisterAccount';
  accountId: string;
  name: string;
  taxId?: string | null;
  industry?: string | null;
  ownerRepId: string;
  /** The rep `ownerRepId` names, as the handler found it; `null` = no such rep. */
  ownerRep: { active: boolean } | null;
  occurredAt: string;
}

export interface ReassignAccount {
  type: 'ReassignAccount';
  accountId: string;
  ownerRepId: string;
  /** The rep `ownerRepId` names, as the handler found it; `null` = no such rep. */
  ownerRep: { active: boolean } | null;
  occurredAt: string;
}

export type AccountCommand = RegisterAccount | ReassignAccount;
