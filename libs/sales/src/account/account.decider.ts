import { assertNever, NotFoundError } from '@kam/kernel';
import type { Decider } from '@kam/kernel';
import { assertRepCanTakeWork, optionalText, SALES_RULES, violation } from '../sales.rules';
import type { AccountCommand, ReassignAccount, RegisterAccount } from './account.commands';
import type { AccountEvent, AccountReassigned, AccountRegistered } from './account.events';

export interface RegisteredAccountState {
  exists: true;
  accountId: string;
  name: string;
  taxId: string | null;
  industry: string | null;
  ownerRepId: string;
}

/** Before `AccountRegistered`: every field is null, so reading one without checking `exists` is visible. */
export interface NoAccountState {
  exists: false;
  accountId: null;
  name: null;
  taxId: null;
  industry: null;
  ownerRepId: null;
}

export type AccountState = NoAccountState | RegisteredAccountState;

const NO_ACCOUNT: NoAccountState = {
  exists: false,
  accountId: null,
  name: null,
  taxId: null,
  industry: null,
  ownerRepId: null,
};

function register(command: RegisterAccount, state: AccountState): AccountEvent[] {
  if (state.exists) {
    throw violation(SALES_RULES.ACCOUNT_ALREADY_EXISTS, `Account ${command.accountId} already exists`);
  }
  const name = command.name.trim();
  if (name === '') throw violation(SALES_RULES.NAME_REQUIRED, 'An account needs a non-empty name');
  assertRepCanTakeWork(command.ownerRepId, command.ownerRep);
  const event: AccountRegistered = {
    type: 'AccountRegistered',
    data: {
      accountId: command.accountId,
      name,
      taxId: optionalText(command.taxId),
      industry: optionalText(command.industry),
      ownerRepId: command.ownerRepId,
    },
  };
  return [event];
}

function reassign(command: ReassignAccount, state: AccountState): AccountEvent[] {
  if (!state.exists) throw new NotFoundError('Account', command.accountId);
  // Already owned by that rep: nothing changes, so nothing is recorded (a retry stays harmless).
  if (command.ownerRepId === state.ownerRepId) return [];
  assertRepCanTakeWork(command.ownerRepId, command.ownerRep);
  const event: AccountReassigned = {
    type: 'AccountReassigned',
    data: { accountId: state.accountId, fromRepId: state.ownerRepId, ownerRepId: command.ownerRepId },
  };
  return [event];
}

export const accountDecider: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: () => NO_ACCOUNT,

  decide(command, state) {
    switch (command.type) {
      case 'RegisterAccount':
        return register(command, state);
      case 'ReassignAccount':
        return reassign(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'AccountRegistered':
        return { exists: true, ...event.data };
      case 'AccountReassigned':
        // Stored history is never refused: an event for an unknown account changes nothing.
        return state.exists ? { ...state, ownerRepId: event.data.ownerRepId } : state;
      default:
        return assertNever(event);
    }
  },
};
