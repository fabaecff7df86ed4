import { assertNever, isOpenStage, NotFoundError } from '@kam/kernel';
import type { Decider, DealStage, LossReason, MinorUnits, OpenDealStage, SalesChannel } from '@kam/kernel';
import {
  assertCalendarDate,
  assertMoney,
  assertRepCanTakeWork,
  optionalText,
  SALES_RULES,
  violation,
} from '../sales.rules';
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
import type { CompetitorRecorded, DealEvent, DealOpened } from './deal.events';

export interface ExistingDealState {
  exists: true;
  dealId: string;
  accountId: string;
  repId: string;
  title: string;
  /** Current deal value; after a loss, the value at loss. */
  valueMinor: MinorUnits;
  /** Set once the deal is won. */
  wonValueMinor: MinorUnits | null;
  channel: SalesChannel;
  stage: DealStage;
  expectedCloseDate: string;
  /** Distinct competitors (case-insensitively), in the order first recorded, first spelling kept. */
  competitors: string[];
  /** Cumulative fulfilment of a won deal; never above `wonValueMinor`. */
  fulfilledMinor: MinorUnits;
  /** WON or LOST: final. */
  closed: boolean;
  lossReason: LossReason | null;
  contractNumber: string | null;
}

/** Before `DealOpened`: identity and values are null, so using one without checking `exists` is visible. */
export interface NoDealState {
  exists: false;
  dealId: null;
  accountId: null;
  repId: null;
  title: null;
  valueMinor: null;
  wonValueMinor: null;
  channel: null;
  stage: null;
  expectedCloseDate: null;
  competitors: string[];
  fulfilledMinor: MinorUnits;
  closed: false;
  lossReason: null;
  contractNumber: null;
}

export type DealState = NoDealState | ExistingDealState;

type OpenDealState = ExistingDealState & { stage: OpenDealStage };

function noDeal(): NoDealState {
  return {
    exists: false,
    dealId: null,
    accountId: null,
    repId: null,
    title: null,
    valueMinor: null,
    wonValueMinor: null,
    channel: null,
    stage: null,
    expectedCloseDate: null,
    competitors: [],
    fulfilledMinor: 0,
    closed: false,
    lossReason: null,
    contractNumber: null,
  };
}

function existing(state: DealState, dealId: string): ExistingDealState {
  if (!state.exists) throw new NotFoundError('Deal', dealId);
  return state;
}

/** The deal as something that may still change: it exists and is not WON/LOST. */
function changeable(state: DealState, dealId: string): OpenDealState {
  const deal = existing(state, dealId);
  const stage = deal.stage;
  if (!isOpenStage(stage)) {
    throw violation(
      SALES_RULES.DEAL_ALREADY_CLOSED,
      `Deal ${dealId} is ${stage}; a closed deal takes no change`,
    );
  }
  return { ...deal, stage };
}

/** Competitor names are compared trimmed, with inner whitespace collapsed and case ignored. */
function normaliseCompetitor(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

function findCompetitor(competitors: readonly string[], name: string): string | undefined {
  const key = name.toLowerCase();
  return competitors.find((known) => known.toLowerCase() === key);
}

function open(command: OpenDeal, state: DealState): DealEvent[] {
  if (state.exists) throw violation(SALES_RULES.DEAL_ALREADY_EXISTS, `Deal ${command.dealId} already exists`);
  const title = command.title.trim();
  if (title === '') throw violation(SALES_RULES.TITLE_REQUIRED, 'A deal needs a non-empty title');
  assertMoney('valueMinor', command.valueMinor);
  assertCalendarDate('expectedCloseDate', command.expectedCloseDate);
  if (command.account === null) throw new NotFoundError('Account', command.accountId);
  const rep = command.rep;
  assertRepCanTakeWork(command.repId, rep);
  const event: DealOpened = {
    type: 'DealOpened',
    data: {
      dealId: command.dealId,
      accountId: command.accountId,
      repId: command.repId,
      title,
      valueMinor: command.valueMinor,
      channel: command.channel ?? rep.channel,
      expectedCloseDate: command.expectedCloseDate,
      stage: 'PROSPECTING',
    },
  };
  return [event];
}

function advance(command: AdvanceDeal, state: DealState): DealEvent[] {
  const deal = changeable(state, command.dealId);
  const target = command.stage;
  if (!isOpenStage(target)) {
    throw violation(
      SALES_RULES.STAGE_NOT_OPEN,
      `${target} is not an open stage; a deal is won or lost only through winDeal or loseDeal`,
    );
  }
  if (target === deal.stage) return [];
  return [{ type: 'DealStageChanged', data: { dealId: deal.dealId, fromStage: deal.stage, stage: target } }];
}

function reviseValue(command: ReviseDealValue, state: DealState): DealEvent[] {
  const deal = changeable(state, command.dealId);
  assertMoney('valueMinor', command.valueMinor);
  if (command.valueMinor === deal.valueMinor) return [];
  return [
    {
      type: 'DealValueRevised',
      data: {
        dealId: deal.dealId,
        fromValueMinor: deal.valueMinor,
        valueMinor: command.valueMinor,
        reason: optionalText(command.reason),
      },
    },
  ];
}

function reschedule(command: RescheduleDeal, state: DealState): DealEvent[] {
  const deal = changeable(state, command.dealId);
  assertCalendarDate('expectedCloseDate', command.expectedCloseDate);
  if (command.expectedCloseDate === deal.expectedCloseDate) return [];
  return [
    {
      type: 'DealRescheduled',
      data: {
        dealId: deal.dealId,
        fromExpectedCloseDate: deal.expectedCloseDate,
        expectedCloseDate: command.expectedCloseDate,
      },
    },
  ];
}

function reassign(command: ReassignDeal, state: DealState): DealEvent[] {
  if (command.handOverFrom !== undefined) {
    const current = existing(state, command.dealId);
    if (!isOpenStage(current.stage) || current.repId !== command.handOverFrom) return [];
  }
  const deal = changeable(state, command.dealId);
  // Already that rep's deal: nothing changes, so nothing is recorded (a retry stays harmless).
  if (command.repId === deal.repId) return [];
  assertRepCanTakeWork(command.repId, command.targetRep);
  return [
    { type: 'DealReassigned', data: { dealId: deal.dealId, fromRepId: deal.repId, repId: command.repId } },
  ];
}

function changeChannel(command: ChangeDealChannel, state: DealState): DealEvent[] {
  const deal = changeable(state, command.dealId);
  if (command.channel === deal.channel) return [];
  return [
    {
      type: 'DealChannelChanged',
      data: { dealId: deal.dealId, fromChannel: deal.channel, channel: command.channel },
    },
  ];
}

function recordCompetitor(command: RecordCompetitor, state: DealState): DealEvent[] {
  const deal = changeable(state, command.dealId);
  const competitor = normaliseCompetitor(command.competitor);
  if (competitor === '')
    throw violation(SALES_RULES.COMPETITOR_REQUIRED, 'A competitor needs a non-empty name');
  if (findCompetitor(deal.competitors, competitor) !== undefined) return [];
  return [{ type: 'CompetitorRecorded', data: { dealId: deal.dealId, competitor } }];
}

function win(command: WinDeal, state: DealState): DealEvent[] {
  const deal = changeable(state, command.dealId);
  const wonValueMinor = command.wonValueMinor ?? deal.valueMinor;
  assertMoney('wonValueMinor', wonValueMinor);
  return [
    {
      type: 'DealWon',
      data: {
        dealId: deal.dealId,
        fromStage: deal.stage,
        wonValueMinor,
        contractNumber: optionalText(command.contractNumber),
      },
    },
  ];
}

/**
 * A competitor named at loss that the deal does not know yet is first recorded with
 * `CompetitorRecorded`, so every projection learns a deal's competitors from that one event type;
 * a known one is reported in its first-recorded spelling, so "lost to" and "was on" group together.
 */
function lose(command: LoseDeal, state: DealState): DealEvent[] {
  const deal = changeable(state, command.dealId);
  const named = command.competitor ? normaliseCompetitor(command.competitor) : '';
  const known = named === '' ? undefined : findCompetitor(deal.competitors, named);
  const competitor = named === '' ? null : (known ?? named);
  const events: DealEvent[] = [];
  if (competitor !== null && known === undefined) {
    const recorded: CompetitorRecorded = {
      type: 'CompetitorRecorded',
      data: { dealId: deal.dealId, competitor },
    };
    events.push(recorded);
  }
  events.push({
    type: 'DealLost',
    data: {
      dealId: deal.dealId,
      fromStage: deal.stage,
      reason: command.reason,
      competitor,
      valueMinor: deal.valueMinor,
    },
  });
  return events;
}

function recordFulfilment(command: RecordFulfilment, state: DealState): DealEvent[] {
  const deal = existing(state, command.dealId);
  if (deal.stage !== 'WON') {
    throw violation(
      SALES_RULES.DEAL_NOT_WON,
      `Deal ${deal.dealId} is ${deal.stage}; only a won deal is fulfilled`,
    );
  }
  if (!(command.amountMinor > 0)) {
    throw violation(
      SALES_RULES.AMOUNT_MUST_BE_POSITIVE,
      `amountMinor must be above 0, got ${command.amountMinor}`,
    );
  }
  assertMoney('amountMinor', command.amountMinor);
  const wonValueMinor = deal.wonValueMinor ?? 0;
  const cumulativeMinor = deal.fulfilledMinor + command.amountMinor;
  if (cumulativeMinor > wonValueMinor) {
    throw violation(
      SALES_RULES.FULFILMENT_EXCEEDS_WON_VALUE,
      `Fulfilment would reach ${cumulativeMinor} minor units, above the won value ${wonValueMinor} ` +
        `(${wonValueMinor - deal.fulfilledMinor} left)`,
    );
  }
  return [
    {
      type: 'FulfilmentRecorded',
      data: {
        dealId: deal.dealId,
        amountMinor: command.amountMinor,
        cumulativeMinor,
        note: optionalText(command.note),
      },
    },
  ];
}

function withCompetitor(competitors: string[], competitor: string | null): string[] {
  if (competitor === null || findCompetitor(competitors, competitor) !== undefined) return competitors;
  return [...competitors, competitor];
}

function evolveExisting(state: ExistingDealState, event: Exclude<DealEvent, DealOpened>): ExistingDealState {
  switch (event.type) {
    case 'DealStageChanged':
      return { ...state, stage: event.data.stage };
    case 'DealValueRevised':
      return { ...state, valueMinor: event.data.valueMinor };
    case 'DealRescheduled':
      return { ...state, expectedCloseDate: event.data.expectedCloseDate };
    case 'DealReassigned':
      return { ...state, repId: event.data.repId };
    case 'DealChannelChanged':
      return { ...state, channel: event.data.channel };
    case 'CompetitorRecorded':
      return { ...state, competitors: withCompetitor(state.competitors, event.data.competitor) };
    case 'DealWon':
      return {
        ...state,
        stage: 'WON',
        closed: true,
        wonValueMinor: event.data.wonValueMinor,
        contractNumber: event.data.contractNumber,
      };
    case 'DealLost':
      return {
        ...state,
        stage: 'LOST',
        closed: true,
        valueMinor: event.data.valueMinor,
        lossReason: event.data.reason,
        competitors: withCompetitor(state.competitors, event.data.competitor),
      };
    case 'FulfilmentRecorded':
      return { ...state, fulfilledMinor: event.data.cumulativeMinor };
    default:
      return assertNever(event);
  }
}

export const dealDecider: Decider<DealCommand, DealState, DealEvent> = {
  initialState: noDeal,

  decide(command, state) {
    switch (command.type) {
      case 'OpenDeal':
        return open(command, state);
      case 'AdvanceDeal':
        return advance(command, state);
      case 'ReviseDealValue':
        return reviseValue(command, state);
      case 'RescheduleDeal':
        return reschedule(command, state);
      case 'ReassignDeal':
        return reassign(command, state);
      case 'ChangeDealChannel':
        return changeChannel(command, state);
      case 'RecordCompetitor':
        return recordCompetitor(command, state);
      case 'WinDeal':
        return win(command, state);
      case 'LoseDeal':
        return lose(command, state);
      case 'RecordFulfilment':
        return recordFulfilment(command, state);
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    if (event.type === 'DealOpened') {
      return {
        ...event.data,
        exists: true,
        wonValueMinor: null,
        competitors: [],
        fulfilledMinor: 0,
        closed: false,
        lossReason: null,
        contractNumber: null,
      };
    }
    // Stored history is never refused: an event for a deal that was never opened changes nothing.
    if (!state.exists) return state;
    return evolveExisting(state, event);
  },
};
