import { fold, NotFoundError } from '@kam/kernel';
import { given } from '@kam/kernel/testing';
import type { ChangeRepChannel, HireRep, OffboardRep, SetRepQuota, TransferRep } from './rep.commands';
import { repDecider } from './rep.decider';
import type {
  RepChannelChanged,
  RepEvent,
  RepHired,
  RepOffboarded,
  RepQuotaSet,
  RepTransferred,
} from './rep.events';

const repId = '5d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e6';
const otherRepId = '7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d';
const teamA = '0b8f7c1e-6a0d-4f3b-9a51-1c2d3e4f5a60';
const teamB = '1c9a8d2f-7b1e-4c4a-8b62-2d3e4f5a6b71';
const occurredAt = '2026-11-02T09:00:00.000Z';

const hired: RepHired = {
  type: 'RepHired',
  data: { repId, name: 'Anna Nowak', email: 'anna.nowak@example.com', teamId: teamA, channel: 'FIELD' },
};
const offboarded: RepOffboarded = { type: 'RepOffboarded', data: { repId, reassignOpenDealsTo: null } };

const hire = (overrides: Partial<HireRep> = {}): HireRep => ({
  type: 'HireRep',
  repId,
  name: 'Anna Nowak',
  email: 'anna.nowak@example.com',
  teamId: teamA,
  channel: 'FIELD',
  team: { exists: true },
  occurredAt,
  ...overrides,
});
const transfer = (overrides: Partial<TransferRep> = {}): TransferRep => ({
  type: 'TransferRep',
  repId,
  teamId: teamB,
  team: { exists: true },
  occurredAt,
  ...overrides,
});
const changeChannel = (overrides: Partial<ChangeRepChannel> = {}): ChangeRepChannel => ({
  type: 'ChangeRepChannel',
  repId,
  channel: 'ONLINE',
  occurredAt,
  ...overrides,
});
const setQuota = (overrides: Partial<SetRepQuota> = {}): SetRepQuota => ({
  type: 'SetRepQuota',
  repId,
  month: '2026-11',
  amountMinor: 50_000_00,
  occurredAt,
  ...overrides,
});
const offboard = (overrides: Partial<OffboardRep> = {}): OffboardRep => ({
  type: 'OffboardRep',
  repId,
  openDealIds: [],
  reassignTarget: null,
  occurredAt,
  ...overrides,
});
const quotaSet = (month: string, amountMinor: number): RepQuotaSet => ({
  type: 'RepQuotaSet',
  data: { repId, month, amountMinor },
});

describe('repDecider', () => {
  describe('HireRep', () => {
    it('hires a rep into a team', () => {
      given(repDecider, []).when(hire()).then([hired]);
    });

    it('keeps name and e-mail without surrounding whitespace', () => {
      given(repDecider, [])
        .when(hire({ name: ' Anna Nowak ', email: ' anna.nowak@example.com ' }))
        .then([hired]);
    });

    it('hires a rep once', () => {
      given(repDecider, [hired]).when(hire()).thenThrows('REP_ALREADY_HIRED');
    });

    it('does not hire again a rep who was offboarded (a returning rep gets a new id)', () => {
      given(repDecider, [hired, offboarded]).when(hire()).thenThrows('REP_ALREADY_HIRED');
    });

    it('hires only into a team that exists', () => {
      const error = given(repDecider, [])
        .when(hire({ team: { exists: false } }))
        .thenThrows('NOT_FOUND');
      expect(error).toEqual(new NotFoundError('Team', teamA));
    });

    it('needs a name', () => {
      given(repDecider, [])
        .when(hire({ name: '\t' }))
        .thenThrows('NAME_REQUIRED');
    });

    it('needs an e-mail address', () => {
      given(repDecider, [])
        .when(hire({ email: 'anna.nowak' }))
        .thenThrows('INVALID_EMAIL');
    });
  });

  describe('TransferRep', () => {
    const transferred: RepTransferred = {
      type: 'RepTransferred',
      data: { repId, fromTeamId: teamA, teamId: teamB },
    };

    it('moves the rep to another team', () => {
      given(repDecider, [hired]).when(transfer()).then([transferred]);
    });

    it('refuses to "move" the rep into the team it is already in', () => {
      given(repDecider, [hired])
        .when(transfer({ teamId: teamA }))
        .thenThrows('REP_ALREADY_IN_TEAM');
    });

    it('moves the rep only into a team that exists', () => {
      const error = given(repDecider, [hired])
        .when(transfer({ team: { exists: false } }))
        .thenThrows('NOT_FOUND');
      expect(error).toEqual(new NotFoundError('Team', teamB));
    });

    it('moves only a rep who exists', () => {
      const error = given(repDecider, []).when(transfer()).thenThrows('NOT_FOUND');
      expect(error).toEqual(new NotFoundError('Rep', repId));
    });

    it('does not move an offboarded rep', () => {
      given(repDecider, [hired, offboarded]).when(transfer()).thenThrows('REP_OFFBOARDED');
    });
  });

  describe('ChangeRepChannel', () => {
    it('changes the channel and records why', () => {
      const changed: RepChannelChanged = {
        type: 'RepChannelChanged',
        data: { repId, fromChannel: 'FIELD', channel: 'ONLINE', reason: 'territory went digital' },
      };
      given(repDecider, [hired])
        .when(changeChannel({ reason: ' territory went digital ' }))
        .then([changed]);
    });

    it('records no reason when none (or only whitespace) is given', () => {
      const changed: RepChannelChanged = {
        type: 'RepChannelChanged',
        data: { repId, fromChannel: 'FIELD', channel: 'ONLINE', reason: null },
      };
      given(repDecider, [hired]).when(changeChannel()).then([changed]);
      given(repDecider, [hired])
        .when(changeChannel({ reason: '  ' }))
        .then([changed]);
    });

    it('does nothing when the rep already works that channel', () => {
      given(repDecider, [hired])
        .when(changeChannel({ channel: 'FIELD' }))
        .then([]);
    });

    it('changes only a rep who exists', () => {
      given(repDecider, []).when(changeChannel()).thenThrows('NOT_FOUND');
    });

    it('does not change an offboarded rep', () => {
      given(repDecider, [hired, offboarded]).when(changeChannel()).thenThrows('REP_OFFBOARDED');
    });
  });

  describe('SetRepQuota', () => {
    it('sets the quota of a month', () => {
      given(repDecider, [hired])
        .when(setQuota())
        .then([quotaSet('2026-11', 50_000_00)]);
    });

    it('replaces the quota of a month set before', () => {
      given(repDecider, [hired, quotaSet('2026-11', 50_000_00)])
        .when(setQuota({ amountMinor: 60_000_00 }))
        .then([quotaSet('2026-11', 60_000_00)]);
    });

    it('does nothing when the month already has that quota', () => {
      given(repDecider, [hired, quotaSet('2026-11', 50_000_00)])
        .when(setQuota())
        .then([]);
    });

    it('accepts a zero quota', () => {
      given(repDecider, [hired])
        .when(setQuota({ amountMinor: 0 }))
        .then([quotaSet('2026-11', 0)]);
    });

    it.each(['2026-13', '2026-1', '2026-11-01', 'November'])('refuses the month %p', (month) => {
      given(repDecider, [hired]).when(setQuota({ month })).thenThrows('INVALID_MONTH');
    });

    it.each([-1, 0.5, 100_000_000_000_000, Number.NaN])('refuses the amount %p', (amountMinor) => {
      given(repDecider, [hired]).when(setQuota({ amountMinor })).thenThrows('INVALID_AMOUNT');
    });

    it('sets a quota only for a rep who exists', () => {
      given(repDecider, []).when(setQuota()).thenThrows('NOT_FOUND');
    });

    it('sets no quota for an offboarded rep', () => {
      given(repDecider, [hired, offboarded]).when(setQuota()).thenThrows('REP_OFFBOARDED');
    });
  });

  describe('OffboardRep', () => {
    const reassigning = (overrides: Partial<OffboardRep> = {}): OffboardRep =>
      offboard({
        openDealIds: ['deal-1', 'deal-2'],
        reassignOpenDealsTo: otherRepId,
        reassignTarget: { active: true, isSameRep: false },
        ...overrides,
      });

    it('offboards a rep without open deals', () => {
      given(repDecider, [hired]).when(offboard()).then([offboarded]);
    });

    it('offboards a rep with open deals when someone takes them over', () => {
      given(repDecider, [hired])
        .when(reassigning())
        .then([{ type: 'RepOffboarded', data: { repId, reassignOpenDealsTo: otherRepId } }]);
    });

    it('does not offboard a rep with open deals when nobody takes them over', () => {
      given(repDecider, [hired])
        .when(offboard({ openDealIds: ['deal-1'] }))
        .thenThrows('REP_HAS_OPEN_DEALS');
    });

    it('reassigns only to a rep who exists', () => {
      const error = given(repDecider, [hired])
        .when(reassigning({ reassignTarget: null }))
        .thenThrows('NOT_FOUND');
      expect(error).toEqual(new NotFoundError('Rep', otherRepId));
    });

    it('does not reassign the open deals to the rep leaving', () => {
      given(repDecider, [hired])
        .when(reassigning({ reassignOpenDealsTo: repId, reassignTarget: { active: true, isSameRep: true } }))
        .thenThrows('REASSIGN_TARGET_IS_SAME_REP');
    });

    it('does not reassign the open deals to an offboarded rep', () => {
      given(repDecider, [hired])
        .when(reassigning({ reassignTarget: { active: false, isSameRep: false } }))
        .thenThrows('REASSIGN_TARGET_INACTIVE');
    });

    it('checks a given target even when there are no open deals', () => {
      given(repDecider, [hired])
        .when(reassigning({ openDealIds: [], reassignTarget: { active: false, isSameRep: false } }))
        .thenThrows('REASSIGN_TARGET_INACTIVE');
    });

    it('offboards only a rep who exists', () => {
      given(repDecider, []).when(offboard()).thenThrows('NOT_FOUND');
    });

    it('offboards a rep once', () => {
      given(repDecider, [hired, offboarded]).when(offboard()).thenThrows('REP_OFFBOARDED');
    });
  });

  describe('evolve', () => {
    it('starts with no rep', () => {
      expect(repDecider.initialState()).toEqual({ exists: false });
    });

    it('folds team, channel, quotas per month and the offboarding', () => {
      const history: RepEvent[] = [
        hired,
        { type: 'RepTransferred', data: { repId, fromTeamId: teamA, teamId: teamB } },
        {
          type: 'RepChannelChanged',
          data: { repId, fromChannel: 'FIELD', channel: 'PARTNER', reason: null },
        },
        quotaSet('2026-11', 50_000_00),
        quotaSet('2026-12', 40_000_00),
        quotaSet('2026-11', 55_000_00),
        { type: 'RepOffboarded', data: { repId, reassignOpenDealsTo: otherRepId } },
      ];
      expect(fold(repDecider, history)).toEqual({
        exists: true,
        repId,
        name: 'Anna Nowak',
        email: 'anna.nowak@example.com',
        teamId: teamB,
        channel: 'PARTNER',
        active: false,
        quotas: { '2026-11': 55_000_00, '2026-12': 40_000_00 },
        reassignedOpenDealsTo: otherRepId,
      });
    });

    it('decides a transfer from the folded team', () => {
      const toB: RepTransferred = {
        type: 'RepTransferred',
        data: { repId, fromTeamId: teamA, teamId: teamB },
      };
      given(repDecider, [hired, toB])
        .when(transfer({ teamId: teamB }))
        .thenThrows('REP_ALREADY_IN_TEAM');
      given(repDecider, [hired, toB])
        .when(transfer({ teamId: teamA }))
        .then([{ type: 'RepTransferred', data: { repId, fromTeamId: teamB, teamId: teamA } }]);
    });

    it('does not share quota objects between folded states', () => {
      const first = fold(repDecider, [hired, quotaSet('2026-11', 1)]);
      const second = repDecider.evolve(first, quotaSet('2026-12', 2));
      expect(first.exists && first.quotas).toEqual({ '2026-11': 1 });
      expect(second.exists && second.quotas).toEqual({ '2026-11': 1, '2026-12': 2 });
    });
  });
});
