import {
  assertNever,
  type Decider,
  DomainRuleViolation,
  isMonth,
  isValidMinor,
  type MinorUnits,
  NotFoundError,
  type SalesChannel,
} from '@kam/kernel';
import { ORG_RULES, requireName } from '../org.rules';
import type { RepCommand } from './rep.commands';
import type { RepEvent } from './rep.events';

/**
 * Before `RepHired` there is nothing to read. An offboarded rep keeps its last team and channel
 * (history and attribution need them) but is no longer `active`.
 */
export type RepState =
  | { exists: false }
  | {
      exists: true;
      repId: string;
      name: string;
      email: string;
      teamId: string;
      channel: SalesChannel;
      active: boolean;
      /** Monthly quota by calendar month "YYYY-MM", in minor units; a later set replaces the month. */
      quotas: Record<string, MinorUnits>;
      /** Who took over the open deals when the rep was offboarded (null: nobody needed to). */
      reassignedOpenDealsTo: string | null;
    };

type ExistingRep = Extract<RepState, { exists: true }>;

const MAX_EMAIL_LENGTH = 254;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The rep exists and is still employed: the precondition of every change. */
function requireActiveRep(state: RepState, repId: string): ExistingRep {
  if (!state.exists) throw new NotFoundError('Rep', repId);
  if (!state.active) {
    throw new DomainRuleViolation(ORG_RULES.REP_OFFBOARDED, `Rep ${repId} is offboarded and takes no change`);
  }
  return state;
}

function requireEmail(value: string): string {
  const email = value.trim();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL_PATTERN.test(email)) {
    throw new DomainRuleViolation(ORG_RULES.INVALID_EMAIL, `"${email}" is not an e-mail address`);
  }
  return email;
}

/**
 * Same-value changes (the channel the rep already works, the quota a month already has) decide no
 * events: the caller's intent already holds, so retries are harmless and the history (channel spans
 * in particular) carries no zero-length noise. The command executor answers a no-op with the
 * current revision. Transferring a rep to the team it is already in is different: the caller
 * believes the rep is elsewhere, so that is a REP_ALREADY_IN_TEAM violation.
 */
export const repDecider: Decider<RepCommand, RepState, RepEvent> = {
  initialState: () => ({ exists: false }),

  decide(command, state) {
    switch (command.type) {
      case 'HireRep': {
        if (state.exists) {
          throw new DomainRuleViolation(ORG_RULES.REP_ALREADY_HIRED, `Rep ${command.repId} is already hired`);
        }
        const name = requireName(command.name, 'Rep');
        const email = requireEmail(command.email);
        if (!command.team.exists) throw new NotFoundError('Team', command.teamId);
        return [
          {
            type: 'RepHired',
            data: { repId: command.repId, name, email, teamId: command.teamId, channel: command.channel },
          },
        ];
      }
      case 'TransferRep': {
        const rep = requireActiveRep(state, command.repId);
        if (command.teamId === rep.teamId) {
          throw new DomainRuleViolation(
            ORG_RULES.REP_ALREADY_IN_TEAM,
            `Rep ${rep.repId} is already in team ${rep.teamId}`,
          );
        }
        if (!command.team.exists) throw new NotFoundError('Team', command.teamId);
        return [
          {
            type: 'RepTransferred',
            data: { repId: rep.repId, fromTeamId: rep.teamId, teamId: command.teamId },
          },
        ];
      }
      case 'ChangeRepChannel': {
        const rep = requireActiveRep(state, command.repId);
        if (command.channel === rep.channel) return [];
        const reason = command.reason?.trim() || null;
        return [
          {
            type: 'RepChannelChanged',
            data: { repId: rep.repId, fromChannel: rep.channel, channel: command.channel, reason },
          },
        ];
      }
      case 'SetRepQuota': {
        const rep = requireActiveRep(state, command.repId);
        if (!isMonth(command.month)) {
          throw new DomainRuleViolation(
            ORG_RULES.INVALID_MONTH,
            `"${command.month}" is not a calendar month YYYY-MM`,
          );
        }
        if (!isValidMinor(command.amountMinor)) {
          throw new DomainRuleViolation(
            ORG_RULES.INVALID_AMOUNT,
            'A quota is a whole number of minor units, at least 0 and at most 999999999999.99',
          );
        }
        if (rep.quotas[command.month] === command.amountMinor) return [];
        return [
          {
            type: 'RepQuotaSet',
            data: { repId: rep.repId, month: command.month, amountMinor: command.amountMinor },
          },
        ];
      }
      case 'OffboardRep': {
        const rep = requireActiveRep(state, command.repId);
        const target = command.reassignOpenDealsTo ?? null;
        if (target !== null) {
          // Checked even without open deals: a wrong target is a mistake worth telling the caller.
          if (command.reassignTarget === null) throw new NotFoundError('Rep', target);
          if (command.reassignTarget.isSameRep || target === rep.repId) {
            throw new DomainRuleViolation(
              ORG_RULES.REASSIGN_TARGET_IS_SAME_REP,
              'Open deals cannot be reassigned to the rep being offboarded',
            );
          }
          if (!command.reassignTarget.active) {
            throw new DomainRuleViolation(
              ORG_RULES.REASSIGN_TARGET_INACTIVE,
              `Rep ${target} is offboarded and cannot take over open deals`,
            );
          }
        } else if (command.openDealIds.length > 0) {
          throw new DomainRuleViolation(
            ORG_RULES.REP_HAS_OPEN_DEALS,
            `Rep ${rep.repId} owns ${command.openDealIds.length} open deal(s); offboard with reassignOpenDealsTo`,
          );
        }
        return [{ type: 'RepOffboarded', data: { repId: rep.repId, reassignOpenDealsTo: target } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'RepHired':
        return {
          exists: true,
          repId: event.data.repId,
          name: event.data.name,
          email: event.data.email,
          teamId: event.data.teamId,
          channel: event.data.channel,
          active: true,
          quotas: {},
          reassignedOpenDealsTo: null,
        };
      case 'RepTransferred':
        return state.exists ? { ...state, teamId: event.data.teamId } : state;
      case 'RepChannelChanged':
        return state.exists ? { ...state, channel: event.data.channel } : state;
      case 'RepQuotaSet':
        return state.exists
          ? { ...state, quotas: { ...state.quotas, [event.data.month]: event.data.amountMinor } }
          : state;
      case 'RepOffboarded':
        return state.exists
          ? { ...state, active: false, reassignedOpenDealsTo: event.data.reassignOpenDealsTo }
          : state;
      default:
        return assertNever(event);
    }
  },
};
