import { fold, NotFoundError } from '@kam/kernel';
import { given } from '@kam/kernel/testing';
import type { ChangeTeamSupervisor, FormTeam, RenameTeam } from './team.commands';
import { teamDecider } from './team.decider';
import type { TeamFormed, TeamRenamed, TeamSupervisorChanged } from './team.events';

const teamId = '0b8f7c1e-6a0d-4f3b-9a51-1c2d3e4f5a60';
const occurredAt = '2026-11-02T09:00:00.000Z';

const formed: TeamFormed = {
  type: 'TeamFormed',
  data: { teamId, name: 'Key Accounts North', supervisorId: 'kam-1' },
};

const form = (overrides: Partial<FormTeam> = {}): FormTeam => ({
  type: 'FormTeam',
  teamId,
  name: 'Key Accounts North',
  supervisorId: 'kam-1',
  occurredAt,
  ...overrides,
});
const rename = (name: string): RenameTeam => ({ type: 'RenameTeam', teamId, name, occurredAt });
const changeSupervisor = (supervisorId: string): ChangeTeamSupervisor => ({
  type: 'ChangeTeamSupervisor',
  teamId,
  supervisorId,
  occurredAt,
});

describe('teamDecider', () => {
  describe('FormTeam', () => {
    it('forms a team', () => {
      given(teamDecider, []).when(form()).then([formed]);
    });

    it('keeps the name without surrounding whitespace', () => {
      given(teamDecider, [])
        .when(form({ name: '  Key Accounts North ' }))
        .then([formed]);
    });

    it('forms a team once', () => {
      given(teamDecider, [formed]).when(form()).thenThrows('TEAM_ALREADY_EXISTS');
    });

    it('needs a name', () => {
      given(teamDecider, [])
        .when(form({ name: '   ' }))
        .thenThrows('NAME_REQUIRED');
    });

    it('refuses an overlong name', () => {
      given(teamDecider, [])
        .when(form({ name: 'x'.repeat(201) }))
        .thenThrows('NAME_TOO_LONG');
    });

    it('needs a supervisor', () => {
      given(teamDecider, [])
        .when(form({ supervisorId: ' ' }))
        .thenThrows('SUPERVISOR_REQUIRED');
    });
  });

  describe('RenameTeam', () => {
    it('renames the team', () => {
      const renamed: TeamRenamed = { type: 'TeamRenamed', data: { teamId, name: 'Strategic Accounts' } };
      given(teamDecider, [formed]).when(rename(' Strategic Accounts')).then([renamed]);
    });

    it('does nothing when the name is already the team name', () => {
      given(teamDecider, [formed]).when(rename('Key Accounts North ')).then([]);
    });

    it('renames only a team that exists', () => {
      const error = given(teamDecider, []).when(rename('Strategic Accounts')).thenThrows('NOT_FOUND');
      expect(error).toEqual(new NotFoundError('Team', teamId));
    });

    it('needs a name', () => {
      given(teamDecider, [formed]).when(rename('')).thenThrows('NAME_REQUIRED');
    });
  });

  describe('ChangeTeamSupervisor', () => {
    it('hands the team to another supervisor', () => {
      const changed: TeamSupervisorChanged = {
        type: 'TeamSupervisorChanged',
        data: { teamId, supervisorId: 'kam-2', previousSupervisorId: 'kam-1' },
      };
      given(teamDecider, [formed]).when(changeSupervisor('kam-2')).then([changed]);
    });

    it('does nothing when the supervisor already runs the team', () => {
      given(teamDecider, [formed]).when(changeSupervisor('kam-1')).then([]);
    });

    it('changes only a team that exists', () => {
      given(teamDecider, []).when(changeSupervisor('kam-2')).thenThrows('NOT_FOUND');
    });

    it('needs a supervisor', () => {
      given(teamDecider, [formed]).when(changeSupervisor('')).thenThrows('SUPERVISOR_REQUIRED');
    });
  });

  describe('evolve', () => {
    it('starts with no team', () => {
      expect(teamDecider.initialState()).toEqual({ exists: false });
    });

    it('folds the latest name and supervisor', () => {
      const state = fold(teamDecider, [
        formed,
        { type: 'TeamRenamed', data: { teamId, name: 'Strategic Accounts' } },
        {
          type: 'TeamSupervisorChanged',
          data: { teamId, supervisorId: 'kam-2', previousSupervisorId: 'kam-1' },
        },
      ]);
      expect(state).toEqual({ exists: true, teamId, name: 'Strategic Accounts', supervisorId: 'kam-2' });
    });

    it('checks a second change against the folded supervisor', () => {
      const moved: TeamSupervisorChanged = {
        type: 'TeamSupervisorChanged',
        data: { teamId, supervisorId: 'kam-2', previousSupervisorId: 'kam-1' },
      };
      given(teamDecider, [formed, moved])
        .when(changeSupervisor('kam-3'))
        .then([
          {
            type: 'TeamSupervisorChanged',
            data: { teamId, supervisorId: 'kam-3', previousSupervisorId: 'kam-2' },
          },
        ]);
    });
  });
});
