import {
  DomainRuleViolation,
  isCalendarDate,
  isValidMinor,
  MAX_MONEY_MINOR,
  NotFoundError,
} from '@kam/kernel';
import type { MinorUnits } from '@kam/kernel';

/**
 * Stable `reason` codes of the sales deciders' DomainRuleViolations. They travel to clients as
 * `extensions.reason`, so a code is never renamed once published.
 */
export const SALES_RULES = {
  ACCOUNT_ALREADY_EXISTS: 'ACCOUNT_ALREADY_EXISTS',
  NAME_REQUIRED: 'NAME_REQUIRED',
  DEAL_ALREADY_EXISTS: 'DEAL_ALREADY_EXISTS',
  TITLE_REQUIRED: 'TITLE_REQUIRED',
  REP_OFFBOARDED: 'REP_OFFBOARDED',
  STAGE_NOT_OPEN: 'STAGE_NOT_OPEN',
  DEAL_ALREADY_CLOSED: 'DEAL_ALREADY_CLOSED',
  DEAL_NOT_WON: 'DEAL_NOT_WON',
  FULFILMENT_EXCEEDS_WON_VALUE: 'FULFILMENT_EXCEEDS_WON_VALUE',
  AMOUNT_MUST_BE_POSITIVE: 'AMOUNT_MUST_BE_POSITIVE',
  MONEY_OUT_OF_RANGE: 'MONEY_OUT_OF_RANGE',
  INVALID_DATE: 'INVALID_DATE',
  COMPETITOR_REQUIRED: 'COMPETITOR_REQUIRED',
} as const;

export type SalesRule = (typeof SALES_RULES)[keyof typeof SALES_RULES];

export function violation(reason: SalesRule, message: string): DomainRuleViolation {
  return new DomainRuleViolation(reason, message);
}

/** Money on a command is integer minor units in 0..MAX_MONEY_MINOR; anything else is refused. */
export function assertMoney(field: string, minor: MinorUnits): void {
  if (!isValidMinor(minor)) {
    throw violation(
      SALES_RULES.MONEY_OUT_OF_RANGE,
      `${field} must be whole minor units between 0 and ${MAX_MONEY_MINOR}, got ${minor}`,
    );
  }
}

export function assertCalendarDate(field: string, value: string): void {
  if (!isCalendarDate(value)) {
    throw violation(SALES_RULES.INVALID_DATE, `${field} must be a calendar date YYYY-MM-DD, got "${value}"`);
  }
}

/**
 * The cross-aggregate rep check shared by accounts and deals: the handler loads the rep and passes
 * what it found (`null` = no such rep); an offboarded rep takes no new work.
 */
export function assertRepCanTakeWork<Rep extends { active: boolean }>(
  repId: string,
  rep: Rep | null,
): asserts rep is Rep {
  if (rep === null) throw new NotFoundError('Rep', repId);
  if (!rep.active) {
    throw violation(
      SALES_RULES.REP_OFFBOARDED,
      `Rep ${repId} is offboarded; an offboarded rep takes no new deals`,
    );
  }
}

/** Optional free text: trimmed, and blank means absent. */
export function optionalText(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}
