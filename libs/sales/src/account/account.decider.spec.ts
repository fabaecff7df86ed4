import { fold } from '@kam/kernel';
import { given } from '@kam/kernel/testing';
import type { ReassignAccount, RegisterAccount } from './account.commands';
import { accountDecider } from './account.decider';
import type { AccountReassigned, AccountRegistered } from './account.events';

const accountId = '0b6c7f52-2f4e-4a3c-9a57-3f1f0c6f2a01';
const anna = '1c8e3f40-6d2b-4f0e-8b8a-5a0d7c1e9b02';
const piotr = '2d9f4051-7e3c-4a1f-9c9b-6b1e8d2f0c03';
const occurredAt = '2026-11-02T09:00:00.000Z';

const registered: AccountRegistered = {
  type: 'AccountRegistered',
  data: { accountId, name: 'Huta Batory', taxId: '6270011620', industry: 'Steel', ownerRepId: anna },
};

function register(overrides: Partial<RegisterAccount> = {}): RegisterAccount {
  return {
    type: 'RegisterAccount',
    accountId,
    name: 'Huta Batory',
    taxId: '6270011620',
    industry: 'Steel',
    ownerRepId: anna,
    ownerRep: { active: true },
    occurredAt,
    ...overrides,
  };
}

function reassign(overrides: Partial<ReassignAccount> = {}): ReassignAccount {
  return {
    type: 'ReassignAccount',
    accountId,
    ownerRepId: piotr,
    ownerRep: { active: true },
    occurredAt,
    ...overrides,
  };
}

describe('accountDecider', () => {
  describe('RegisterAccount', () => {
    it('registers an account owned by an active rep', () => {
      given(accountDecider, []).when(register()).then([registered]);
    });

    it('trims the name and records blank optional fields as null', () => {
      given(accountDecider, [])
        .when(register({ name: '  Huta Batory ', taxId: '  ', industry: undefined }))
        .then([{ ...registered, data: { ...registered.data, taxId: null, industry: null } }]);
    });

    it('refuses an account id that is already registered', () => {
      given(accountDecider, [registered]).when(register()).thenThrows('ACCOUNT_ALREADY_EXISTS');
    });

    it('refuses a blank name', () => {
      given(accountDecider, [])
        .when(register({ name: '   ' }))
        .thenThrows('NAME_REQUIRED');
    });

    it('refuses an owner who is not a known rep', () => {
      const error = given(accountDecider, [])
        .when(register({ ownerRep: null }))
        .thenThrows('NOT_FOUND');
      expect(error).toMatchObject({ entity: 'Rep', id: anna });
    });

    it('refuses an offboarded owner', () => {
      given(accountDecider, [])
        .when(register({ ownerRep: { active: false } }))
        .thenThrows('REP_OFFBOARDED');
    });
  });

  describe('ReassignAccount', () => {
    const reassigned: AccountReassigned = {
      type: 'AccountReassigned',
      data: { accountId, fromRepId: anna, ownerRepId: piotr },
    };

    it('hands the account to another active rep', () => {
      given(accountDecider, [registered]).when(reassign()).then([reassigned]);
    });

    it('does nothing when the account already belongs to that rep', () => {
      given(accountDecider, [registered])
        .when(reassign({ ownerRepId: anna }))
        .then([]);
    });

    it('refuses an account that was never registered', () => {
      const error = given(accountDecider, []).when(reassign()).thenThrows('NOT_FOUND');
      expect(error).toMatchObject({ entity: 'Account', id: accountId });
    });

    it('refuses a rep that does not exist', () => {
      const error = given(accountDecider, [registered])
        .when(reassign({ ownerRep: null }))
        .thenThrows('NOT_FOUND');
      expect(error).toMatchObject({ entity: 'Rep', id: piotr });
    });

    it('refuses an offboarded rep', () => {
      given(accountDecider, [registered])
        .when(reassign({ ownerRep: { active: false } }))
        .thenThrows('REP_OFFBOARDED');
    });
  });

  describe('evolve', () => {
    it('starts empty', () => {
      expect(accountDecider.initialState()).toMatchObject({ exists: false, ownerRepId: null });
    });

    it('follows the owner through reassignments', () => {
      const state = fold(accountDecider, [
        registered,
        { type: 'AccountReassigned', data: { accountId, fromRepId: anna, ownerRepId: piotr } },
      ]);
      expect(state).toEqual({
        exists: true,
        accountId,
        name: 'Huta Batory',
        taxId: '6270011620',
        industry: 'Steel',
        ownerRepId: piotr,
      });
    });

    it('ignores a reassignment of an account it never saw registered', () => {
      const state = fold(accountDecider, [
        { type: 'AccountReassigned', data: { accountId, fromRepId: anna, ownerRepId: piotr } },
      ]);
      expect(state.exists).toBe(false);
    });
  });
});
