import { assertNever, type Decider, DomainRuleViolation, NotFoundError } from '@kam/kernel';
import { ORG_RULES, requireName } from '../org.rules';
import type { TeamCommand } from './team.commands';
import type { TeamEvent } from './team.events';

/** Before `TeamFormed` there is nothing to read; afterwards every field is known. */
export type TeamState =
  { exists: false } | { exists: true; teamId: string; name: string; supervisorId: string };

type ExistingTeam = Extract<TeamState, { exists: true }>;

function requireTeam(state: TeamState, teamId: string): ExistingTeam {
  if (!state.exists) throw new NotFoundError('Team', teamId);
  return state;
}

function requireSupervisor(supervisorId: string): string {
  const id = supervisorId.trim();
  if (id === '') throw new DomainRuleViolation(ORG_RULES.SUPERVISOR_REQUIRED, 'A team needs a supervisor');
  return id;
}

/**
 * Same-value changes (renaming to the current name, "changing" to the current supervisor) decide
 * no events: the caller's intent already holds, so a retry or a double-click is harmless and the
 * history carries no noise. The command executor answers such a no-op with the current revision.
 */
export const teamDecider: Decider<TeamCommand, TeamState, TeamEvent> = {
  initialState: () => ({ exists: false }),

  decide(command, state) {
    switch (command.type) {
      case 'FormTeam': {
        if (state.exists) {
          throw new DomainRuleViolation(
            ORG_RULES.TEAM_ALREADY_EXISTS,
            `Team ${command.teamId} already exists`,
          );
        }
        const name = requireName(command.name, 'Team');
        const supervisorId = requireSupervisor(command.supervisorId);
        return [{ type: 'TeamFormed', data: { teamId: command.teamId, name, supervisorId } }];
      }
      case 'RenameTeam': {
        const team = requireTeam(state, command.teamId);
        const name = requireName(command.name, 'Team');
        if (name === team.name) return [];
        return [{ type: 'TeamRenamed', data: { teamId: team.teamId, name } }];
      }
      case 'ChangeTeamSupervisor': {
        const team = requireTeam(state, command.teamId);
        const supervisorId = requireSupervisor(command.supervisorId);
        if (supervisorId === team.supervisorId) return [];
        return [
          {
            type: 'TeamSupervisorChanged',
            data: { teamId: team.teamId, supervisorId, previousSupervisorId: team.supervisorId },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TeamFormed':
        return {
          exists: true,
          teamId: event.data.teamId,
          name: event.data.name,
          supervisorId: event.data.supervisorId,
        };
      case 'TeamRenamed':
        return state.exists ? { ...state, name: event.data.name } : state;
      case 'TeamSupervisorChanged':
        return state.exists ? { ...state, supervisorId: event.data.supervisorId } : state;
      default:
        return assertNever(event);
    }
  },
};
