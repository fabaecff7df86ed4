import { DomainRuleViolation } from '@kam/kernel';

/**
 * Stable `reason` codes of the org context's DOMAIN_RULE_VIOLATED errors. Clients branch on
 * these strings, so they are public: add new ones, never rename.
 */
export const ORG_RULES = {
  TEAM_ALREADY_EXISTS: 'TEAM_ALREADY_EXISTS',
  REP_ALREADY_HIRED: 'REP_ALREADY_HIRED',
  REP_OFFBOARDED: 'REP_OFFBOARDED',
  REP_ALREADY_IN_TEAM: 'REP_ALREADY_IN_TEAM',
  REP_HAS_OPEN_DEALS: 'REP_HAS_OPEN_DEALS',
  REASSIGN_TARGET_IS_SAME_REP: 'REASSIGN_TARGET_IS_SAME_REP',
  REASSIGN_TARGET_INACTIVE: 'REASSIGN_TARGET_INACTIVE',
  NAME_REQUIRED: 'NAME_REQUIRED',
  NAME_TOO_LONG: 'NAME_TOO_LONG',
  SUPERVISOR_REQUIRED: 'SUPERVISOR_REQUIRED',
  INVALID_EMAIL: 'INVALID_EMAIL',
  INVALID_MONTH: 'INVALID_MONTH',
  INVALID_AMOUNT: 'INVALID_AMOUNT',
} as const;

export type OrgRule = keyof typeof ORG_RULES;

/** Longest team or rep name we keep; longer input is almost always a paste accident. */
export const MAX_NAME_LENGTH = 200;

/** Trims a team or rep name and rejects what is left when it is empty or too long. */
export function requireName(value: string, what: string): string {
  const name = value.trim();
  if (name === '') throw new DomainRuleViolation(ORG_RULES.NAME_REQUIRED, `${what} name must not be empty`);
  if (name.length > MAX_NAME_LENGTH) {
    throw new DomainRuleViolation(
      ORG_RULES.NAME_TOO_LONG,
      `${what} name must be at most ${MAX_NAME_LENGTH} characters`,
    );
  }
  return name;
}
