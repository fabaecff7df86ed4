import fc from 'fast-check';
import { fold, LOSS_REASONS, MAX_MONEY_MINOR, OPEN_DEAL_STAGES, SALES_CHANNELS } from '@kam/kernel';
import { given } from '@kam/kernel/testing';
import type {
  AdvanceDeal,
  ChangeDealChannel,
  DealCommand,
  LoseDeal,
  OpenDeal,
  ReassignDeal,
  RecordCompetitor,
  RecordFulfilment,
  RescheduleDeal,
  ReviseDealValue,
  WinDeal,
} from './deal.commands';
import { dealDecider, type DealState } from './deal.decider';
import type {
  CompetitorRecorded,
  DealEvent,
  DealLost,
  DealOpened,
  DealStageChanged,
  DealWon,
  FulfilmentRecorded,
} from './deal.events';

const dealId = '5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01';
const accountId = '0b6c7f52-2f4e-4a3c-9a57-3f1f0c6f2a01';
const anna = '1c8e3f40-6d2b-4f0e-8b8a-5a0d7c1e9b02';
const piotr = '2d9f4051-7e3c-4a1f-9c9b-6b1e8d2f0c03';
const occurredAt = '2026-11-02T09:00:00.000Z';

// --- events ------------------------------------------------------------------------------------

const opened: DealOpened = {
  type: 'DealOpened',
  data: {
    dealId,
    accountId,
    repId: anna,
    title: 'Rolling mill retrofit',
    valueMinor: 12_500_000,
    channel: 'FIELD',
    expectedCloseDate: '2026-12-15',
    stage: 'PROSPECTING',
  },
};
const toProposal: DealStageChanged = {
  type: 'DealStageChanged',
  data: { dealId, fromStage: 'PROSPECTING', stage: 'PROPOSAL' },
};
const won: DealWon = {
  type: 'DealWon',
  data: { dealId, fromStage: 'PROSPECTING', wonValueMinor: 12_500_000, contractNumber: null },
};
const lost: DealLost = {
  type: 'DealLost',
  data: { dealId, fromStage: 'PROSPECTING', reason: 'PRICE', competitor: null, valueMinor: 12_500_000 },
};
const competitorRecorded = (competitor: string): CompetitorRecorded => ({
  type: 'CompetitorRecorded',
  data: { dealId, competitor },
});
const fulfilled = (amountMinor: number, cumulativeMinor: number): FulfilmentRecorded => ({
  type: 'FulfilmentRecorded',
  data: { dealId, amountMinor, cumulativeMinor, note: null },
});

// --- commands ----------------------------------------------------------------------------------

const openDeal = (o: Partial<OpenDeal> = {}): OpenDeal => ({
  type: 'OpenDeal',
  dealId,
  accountId,
  repId: anna,
  title: 'Rolling mill retrofit',
  valueMinor: 12_500_000,
  expectedCloseDate: '2026-12-15',
  account: { exists: true },
  rep: { active: true, channel: 'FIELD' },
  occurredAt,
  ...o,
});
const advance = (stage: AdvanceDeal['stage']): AdvanceDeal => ({
  type: 'AdvanceDeal',
  dealId,
  stage,
  occurredAt,
});
const revise = (o: Partial<ReviseDealValue> = {}): ReviseDealValue => ({
  type: 'ReviseDealValue',
  dealId,
  valueMinor: 15_000_000,
  occurredAt,
  ...o,
});
const reschedule = (expectedCloseDate: string): RescheduleDeal => ({
  type: 'RescheduleDeal',
  dealId,
  expectedCloseDate,
  occurredAt,
});
const reassign = (o: Partial<ReassignDeal> = {}): ReassignDeal => ({
  type: 'ReassignDeal',
  dealId,
  repId: piotr,
  targetRep: { active: true },
  occurredAt,
  ...o,
});
const changeChannel = (channel: ChangeDealChannel['channel']): ChangeDealChannel => ({
  type: 'ChangeDealChannel',
  dealId,
  channel,
  occurredAt,
});
const recordCompetitor = (competitor: string): RecordCompetitor => ({
  type: 'RecordCompetitor',
  dealId,
  competitor,
  occurredAt,
});
const winDeal = (o: Partial<WinDeal> = {}): WinDeal => ({ type: 'WinDeal', dealId, occurredAt, ...o });
const loseDeal = (o: Partial<LoseDeal> = {}): LoseDeal => ({
  type: 'LoseDeal',
  dealId,
  reason: 'PRICE',
  occurredAt,
  ...o,
});
const recordFulfilment = (amountMinor: number, note?: string): RecordFulfilment => ({
  type: 'RecordFulfilment',
  dealId,
  amountMinor,
  note,
  occurredAt,
});

/** One command of each kind that would change an open deal; a closed deal must refuse them all. */
const everyChange: DealCommand[] = [
  advance('NEGOTIATION'),
  revise(),
  reschedule('2027-01-31'),
  reassign(),
  changeChannel('ONLINE'),
  recordCompetitor('Primetals'),
  winDeal(),
  loseDeal(),
];

describe('dealDecider', () => {
  describe('OpenDeal', () => {
    it('opens a deal in PROSPECTING on the rep’s channel', () => {
      given(dealDecider, []).when(openDeal()).then([opened]);
    });

    it('takes an explicit channel over the rep’s and trims the title', () => {
      given(dealDecider, [])
        .when(openDeal({ channel: 'TENDER', title: '  Rolling mill retrofit ' }))
        .then([{ ...opened, data: { ...opened.data, channel: 'TENDER' } }]);
    });

    it('accepts the largest amount money can hold', () => {
      given(dealDecider, [])
        .when(openDeal({ valueMinor: MAX_MONEY_MINOR }))
        .then([{ ...opened, data: { ...opened.data, valueMinor: MAX_MONEY_MINOR } }]);
    });

    it('refuses a deal id that is already open', () => {
      given(dealDecider, [opened]).when(openDeal()).thenThrows('DEAL_ALREADY_EXISTS');
    });

    it('refuses a blank title', () => {
      given(dealDecider, [])
        .when(openDeal({ title: ' \t ' }))
        .thenThrows('TITLE_REQUIRED');
    });

    it.each([-1, MAX_MONEY_MINOR + 1, 100.5, Number.NaN])('refuses the value %p', (valueMinor) => {
      given(dealDecider, []).when(openDeal({ valueMinor })).thenThrows('MONEY_OUT_OF_RANGE');
    });

    it.each(['2026-02-30', '2026-13-01', '15.12.2026', ''])(
      'refuses the close date %p',
      (expectedCloseDate) => {
        given(dealDecider, []).when(openDeal({ expectedCloseDate })).thenThrows('INVALID_DATE');
      },
    );

    it('refuses an account that does not exist', () => {
      const error = given(dealDecider, [])
        .when(openDeal({ account: null }))
        .thenThrows('NOT_FOUND');
      expect(error).toMatchObject({ entity: 'Account', id: accountId });
    });

    it('refuses a rep that does not exist', () => {
      const error = given(dealDecider, [])
        .when(openDeal({ rep: null }))
        .thenThrows('NOT_FOUND');
      expect(error).toMatchObject({ entity: 'Rep', id: anna });
    });

    it('refuses an offboarded rep: an offboarded rep takes no new deals', () => {
      given(dealDecider, [])
        .when(openDeal({ rep: { active: false, channel: 'FIELD' } }))
        .thenThrows('REP_OFFBOARDED');
    });
  });

  describe('AdvanceDeal', () => {
    it('moves forward, skipping stages', () => {
      given(dealDecider, [opened]).when(advance('PROPOSAL')).then([toProposal]);
    });

    it('moves backward', () => {
      given(dealDecider, [opened, toProposal])
        .when(advance('QUALIFICATION'))
        .then([
          { type: 'DealStageChanged', data: { dealId, fromStage: 'PROPOSAL', stage: 'QUALIFICATION' } },
        ]);
    });

    it('does nothing when the deal is already in that stage', () => {
      given(dealDecider, [opened, toProposal]).when(advance('PROPOSAL')).then([]);
    });

    it.each(['WON', 'LOST'] as const)('refuses %s: closing goes through winDeal/loseDeal', (stage) => {
      given(dealDecider, [opened]).when(advance(stage)).thenThrows('STAGE_NOT_OPEN');
    });

    it('refuses a deal that was never opened', () => {
      const error = given(dealDecider, []).when(advance('PROPOSAL')).thenThrows('NOT_FOUND');
      expect(error).toMatchObject({ entity: 'Deal', id: dealId });
    });

    it('refuses a closed deal', () => {
      given(dealDecider, [opened, won]).when(advance('PROPOSAL')).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('ReviseDealValue', () => {
    it('revises the value with a trimmed reason', () => {
      given(dealDecider, [opened])
        .when(revise({ reason: ' scope grew ' }))
        .then([
          {
            type: 'DealValueRevised',
            data: { dealId, fromValueMinor: 12_500_000, valueMinor: 15_000_000, reason: 'scope grew' },
          },
        ]);
    });

    it('records a missing or blank reason as null, and accepts zero', () => {
      given(dealDecider, [opened])
        .when(revise({ valueMinor: 0, reason: '  ' }))
        .then([
          {
            type: 'DealValueRevised',
            data: { dealId, fromValueMinor: 12_500_000, valueMinor: 0, reason: null },
          },
        ]);
    });

    it('does nothing when the value is unchanged', () => {
      given(dealDecider, [opened])
        .when(revise({ valueMinor: 12_500_000 }))
        .then([]);
    });

    it.each([-100, MAX_MONEY_MINOR + 1, 0.01])('refuses the value %p', (valueMinor) => {
      given(dealDecider, [opened]).when(revise({ valueMinor })).thenThrows('MONEY_OUT_OF_RANGE');
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(revise()).thenThrows('NOT_FOUND');
    });

    it('refuses a closed deal', () => {
      given(dealDecider, [opened, lost]).when(revise()).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('RescheduleDeal', () => {
    it('moves the expected close date', () => {
      given(dealDecider, [opened])
        .when(reschedule('2027-01-31'))
        .then([
          {
            type: 'DealRescheduled',
            data: { dealId, fromExpectedCloseDate: '2026-12-15', expectedCloseDate: '2027-01-31' },
          },
        ]);
    });

    it('does nothing when the date is unchanged', () => {
      given(dealDecider, [opened]).when(reschedule('2026-12-15')).then([]);
    });

    it.each(['2027-02-29', '2027-1-31', '2027-01-31T00:00:00Z'])('refuses the date %p', (date) => {
      given(dealDecider, [opened]).when(reschedule(date)).thenThrows('INVALID_DATE');
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(reschedule('2027-01-31')).thenThrows('NOT_FOUND');
    });

    it('refuses a closed deal, even when the change would be a no-op', () => {
      given(dealDecider, [opened, won]).when(reschedule('2026-12-15')).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('ReassignDeal', () => {
    it('hands the deal to another active rep', () => {
      given(dealDecider, [opened])
        .when(reassign())
        .then([{ type: 'DealReassigned', data: { dealId, fromRepId: anna, repId: piotr } }]);
    });

    it('does nothing when the deal already belongs to that rep', () => {
      given(dealDecider, [opened])
        .when(reassign({ repId: anna }))
        .then([]);
    });

    it('refuses a rep that does not exist', () => {
      const error = given(dealDecider, [opened])
        .when(reassign({ targetRep: null }))
        .thenThrows('NOT_FOUND');
      expect(error).toMatchObject({ entity: 'Rep', id: piotr });
    });

    it('refuses an offboarded rep', () => {
      given(dealDecider, [opened])
        .when(reassign({ targetRep: { active: false } }))
        .thenThrows('REP_OFFBOARDED');
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(reassign()).thenThrows('NOT_FOUND');
    });

    it('refuses a closed deal: it stays with the rep who closed it', () => {
      given(dealDecider, [opened, won]).when(reassign()).thenThrows('DEAL_ALREADY_CLOSED');
    });

    describe('as a hand-over from a leaving rep', () => {
      it('moves the deal while it is still open and still that rep\'s', () => {
        given(dealDecider, [opened])
          .when(reassign({ handOverFrom: anna }))
          .then([{ type: 'DealReassigned', data: { dealId, fromRepId: anna, repId: piotr } }]);
      });

      it('leaves a deal closed since it was listed where it is, without refusing', () => {
        given(dealDecider, [opened, won]).when(reassign({ handOverFrom: anna })).then([]);
      });

      it('leaves a deal that someone else has taken over where it is', () => {
        given(dealDecider, [opened])
          .when(reassign({ handOverFrom: piotr, repId: 'rep-3' }))
          .then([]);
      });

      it('still refuses a deal that was never opened', () => {
        given(dealDecider, []).when(reassign({ handOverFrom: anna })).thenThrows('NOT_FOUND');
      });
    });
  });

  describe('ChangeDealChannel', () => {
    it('moves the deal to another channel', () => {
      given(dealDecider, [opened])
        .when(changeChannel('PARTNER'))
        .then([{ type: 'DealChannelChanged', data: { dealId, fromChannel: 'FIELD', channel: 'PARTNER' } }]);
    });

    it('does nothing when the channel is unchanged', () => {
      given(dealDecider, [opened]).when(changeChannel('FIELD')).then([]);
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(changeChannel('PARTNER')).thenThrows('NOT_FOUND');
    });

    it('refuses a closed deal', () => {
      given(dealDecider, [opened, lost]).when(changeChannel('PARTNER')).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('RecordCompetitor', () => {
    it('records a competitor, trimmed and with inner spaces collapsed', () => {
      given(dealDecider, [opened])
        .when(recordCompetitor('  Primetals   Technologies '))
        .then([competitorRecorded('Primetals Technologies')]);
    });

    it('does nothing for a competitor already on the deal, whatever the case', () => {
      given(dealDecider, [opened, competitorRecorded('Primetals')])
        .when(recordCompetitor(' PRIMETALS'))
        .then([]);
    });

    it('refuses a blank competitor', () => {
      given(dealDecider, [opened]).when(recordCompetitor('   ')).thenThrows('COMPETITOR_REQUIRED');
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(recordCompetitor('Primetals')).thenThrows('NOT_FOUND');
    });

    it('refuses a closed deal', () => {
      given(dealDecider, [opened, won]).when(recordCompetitor('Primetals')).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('WinDeal', () => {
    it('wins at the deal value by default, from the current stage', () => {
      given(dealDecider, [opened, toProposal])
        .when(winDeal())
        .then([{ ...won, data: { ...won.data, fromStage: 'PROPOSAL' } }]);
    });

    it('wins at an explicit value with a contract number', () => {
      given(dealDecider, [opened])
        .when(winDeal({ wonValueMinor: 11_000_000, contractNumber: ' K/2026/117 ' }))
        .then([{ ...won, data: { ...won.data, wonValueMinor: 11_000_000, contractNumber: 'K/2026/117' } }]);
    });

    it.each([-1, MAX_MONEY_MINOR + 1, 99.9])('refuses the won value %p', (wonValueMinor) => {
      given(dealDecider, [opened]).when(winDeal({ wonValueMinor })).thenThrows('MONEY_OUT_OF_RANGE');
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(winDeal()).thenThrows('NOT_FOUND');
    });

    it.each([
      ['won', won],
      ['lost', lost],
    ] as const)('refuses a deal already %s', (_, closing) => {
      given(dealDecider, [opened, closing]).when(winDeal()).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('LoseDeal', () => {
    it('loses the deal at its current value, from the current stage', () => {
      const revised: DealEvent = {
        type: 'DealValueRevised',
        data: { dealId, fromValueMinor: 12_500_000, valueMinor: 9_000_000, reason: null },
      };
      given(dealDecider, [opened, toProposal, revised])
        .when(loseDeal({ reason: 'TIMING' }))
        .then([
          {
            type: 'DealLost',
            data: {
              dealId,
              fromStage: 'PROPOSAL',
              reason: 'TIMING',
              competitor: null,
              valueMinor: 9_000_000,
            },
          },
        ]);
    });

    it('records a competitor new to the deal before the loss', () => {
      given(dealDecider, [opened])
        .when(loseDeal({ reason: 'COMPETITOR', competitor: ' SMS  group ' }))
        .then([
          competitorRecorded('SMS group'),
          { ...lost, data: { ...lost.data, reason: 'COMPETITOR', competitor: 'SMS group' } },
        ]);
    });

    it('names a known competitor in its first-recorded spelling and records it only once', () => {
      given(dealDecider, [opened, competitorRecorded('SMS group')])
        .when(loseDeal({ reason: 'COMPETITOR', competitor: 'sms GROUP' }))
        .then([{ ...lost, data: { ...lost.data, reason: 'COMPETITOR', competitor: 'SMS group' } }]);
    });

    it('treats a blank competitor as none', () => {
      given(dealDecider, [opened])
        .when(loseDeal({ competitor: '  ' }))
        .then([lost]);
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(loseDeal()).thenThrows('NOT_FOUND');
    });

    it.each([
      ['won', won],
      ['lost', lost],
    ] as const)('refuses a deal already %s', (_, closing) => {
      given(dealDecider, [opened, closing]).when(loseDeal()).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('RecordFulfilment', () => {
    const wonLower: DealWon = { ...won, data: { ...won.data, wonValueMinor: 10_000_000 } };

    it('records a first fulfilment of a won deal', () => {
      given(dealDecider, [opened, wonLower])
        .when(recordFulfilment(4_000_000, ' first delivery '))
        .then([
          {
            type: 'FulfilmentRecorded',
            data: { dealId, amountMinor: 4_000_000, cumulativeMinor: 4_000_000, note: 'first delivery' },
          },
        ]);
    });

    it('accumulates and may reach the won value exactly', () => {
      given(dealDecider, [opened, wonLower, fulfilled(4_000_000, 4_000_000), fulfilled(5_000_000, 9_000_000)])
        .when(recordFulfilment(1_000_000))
        .then([fulfilled(1_000_000, 10_000_000)]);
    });

    it('refuses to go past the won value (not the deal value)', () => {
      given(dealDecider, [opened, wonLower])
        .when(recordFulfilment(10_000_001))
        .thenThrows('FULFILMENT_EXCEEDS_WON_VALUE');
    });

    it('refuses to go past the won value once earlier fulfilments are counted', () => {
      given(dealDecider, [opened, wonLower, fulfilled(9_000_000, 9_000_000)])
        .when(recordFulfilment(1_000_001))
        .thenThrows('FULFILMENT_EXCEEDS_WON_VALUE');
    });

    it.each([0, -500])('refuses the amount %p', (amountMinor) => {
      given(dealDecider, [opened, wonLower])
        .when(recordFulfilment(amountMinor))
        .thenThrows('AMOUNT_MUST_BE_POSITIVE');
    });

    it.each([0.5, MAX_MONEY_MINOR + 1])('refuses the amount %p as money', (amountMinor) => {
      given(dealDecider, [opened, wonLower])
        .when(recordFulfilment(amountMinor))
        .thenThrows('MONEY_OUT_OF_RANGE');
    });

    it.each([
      ['open', [opened]],
      ['lost', [opened, lost]],
    ] as const)('refuses a deal that is %s', (_, history) => {
      given(dealDecider, [...history])
        .when(recordFulfilment(100))
        .thenThrows('DEAL_NOT_WON');
    });

    it('refuses a deal that was never opened', () => {
      given(dealDecider, []).when(recordFulfilment(100)).thenThrows('NOT_FOUND');
    });
  });

  describe('a closed deal', () => {
    it.each(everyChange.map((command) => [command.type, command] as const))('refuses %s', (_, command) => {
      given(dealDecider, [opened, won]).when(command).thenThrows('DEAL_ALREADY_CLOSED');
      given(dealDecider, [opened, lost]).when(command).thenThrows('DEAL_ALREADY_CLOSED');
    });
  });

  describe('evolve', () => {
    it('starts with no deal', () => {
      expect(dealDecider.initialState()).toMatchObject({
        exists: false,
        dealId: null,
        stage: null,
        competitors: [],
        fulfilledMinor: 0,
        closed: false,
      });
    });

    it('follows a deal from opening to fulfilment', () => {
      const state = fold(dealDecider, [
        opened,
        toProposal,
        {
          type: 'DealValueRevised',
          data: { dealId, fromValueMinor: 12_500_000, valueMinor: 13_000_000, reason: null },
        },
        {
          type: 'DealRescheduled',
          data: { dealId, fromExpectedCloseDate: '2026-12-15', expectedCloseDate: '2027-01-15' },
        },
        { type: 'DealReassigned', data: { dealId, fromRepId: anna, repId: piotr } },
        { type: 'DealChannelChanged', data: { dealId, fromChannel: 'FIELD', channel: 'PARTNER' } },
        competitorRecorded('Primetals'),
        competitorRecorded('SMS group'),
        {
          type: 'DealWon',
          data: { dealId, fromStage: 'PROPOSAL', wonValueMinor: 12_000_000, contractNumber: 'K/1' },
        },
        fulfilled(5_000_000, 5_000_000),
        fulfilled(2_500_000, 7_500_000),
      ]);
      expect(state).toEqual<DealState>({
        exists: true,
        dealId,
        accountId,
        repId: piotr,
        title: 'Rolling mill retrofit',
        valueMinor: 13_000_000,
        wonValueMinor: 12_000_000,
        channel: 'PARTNER',
        stage: 'WON',
        expectedCloseDate: '2027-01-15',
        competitors: ['Primetals', 'SMS group'],
        fulfilledMinor: 7_500_000,
        closed: true,
        lossReason: null,
        contractNumber: 'K/1',
      });
    });

    it('keeps competitors distinct across case and adds the one a deal was lost to', () => {
      const state = fold(dealDecider, [
        opened,
        competitorRecorded('Primetals'),
        competitorRecorded('PRIMETALS'),
        {
          ...lost,
          data: { ...lost.data, reason: 'COMPETITOR', competitor: 'Danieli', valueMinor: 11_000_000 },
        },
      ]);
      expect(state).toMatchObject({
        stage: 'LOST',
        closed: true,
        lossReason: 'COMPETITOR',
        valueMinor: 11_000_000,
        wonValueMinor: null,
        competitors: ['Primetals', 'Danieli'],
      });
    });

    it('ignores events of a deal it never saw opened', () => {
      expect(fold(dealDecider, [toProposal, won]).exists).toBe(false);
    });
  });

  describe('invariants over any sequence of commands', () => {
    const command = fc.oneof(
      fc.constantFrom(...OPEN_DEAL_STAGES, 'WON' as const, 'LOST' as const).map(advance),
      fc.integer({ min: -1, max: 20_000_000 }).map((valueMinor) => revise({ valueMinor })),
      fc.constantFrom('2026-12-01', '2027-02-30', '2027-03-31').map(reschedule),
      fc.constantFrom(anna, piotr).map((repId) => reassign({ repId })),
      fc.constantFrom(...SALES_CHANNELS).map(changeChannel),
      fc.constantFrom('Primetals', 'primetals ', 'Danieli', ' ').map(recordCompetitor),
      fc.option(fc.integer({ min: 0, max: 20_000_000 })).map((wonValueMinor) => winDeal({ wonValueMinor })),
      fc
        .record({
          reason: fc.constantFrom(...LOSS_REASONS),
          competitor: fc.option(fc.constantFrom('Danieli', 'SMS')),
        })
        .map((o) => loseDeal(o)),
      fc.integer({ min: -1, max: 8_000_000 }).map((amount) => recordFulfilment(amount)),
    );

    it('never over-fulfils, never reopens a closed deal, never duplicates a competitor', () => {
      fc.assert(
        fc.property(fc.array(command, { maxLength: 30 }), (commands) => {
          let state = fold(dealDecider, [opened]);
          for (const next of commands) {
            let events: DealEvent[];
            try {
              events = dealDecider.decide(next, state);
            } catch {
              continue;
            }
            const wasClosed = state.closed;
            for (const event of events) state = dealDecider.evolve(state, event);
            if (wasClosed) expect(events.every((e) => e.type === 'FulfilmentRecorded')).toBe(true);
            expect(state.fulfilledMinor).toBeLessThanOrEqual(state.wonValueMinor ?? 0);
            const keys = state.competitors.map((c) => c.toLowerCase());
            expect(new Set(keys).size).toBe(keys.length);
          }
        }),
      );
    });
  });
});
