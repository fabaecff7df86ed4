/** Commands of the Team aggregate; `occurredAt` is the business time (ISO-8601 UTC). */
export interface FormTeam {
  type: 'FormTeam';
  teamId: string;
  name: string;
  supervisorId: string;
  occurredAt: string;
}

export interface RenameTeam {
  type: 'RenameTeam';
  teamId: string;
  name: string;
  occurredAt: string;
}

export interface ChangeTeamSupervisor {
  type: 'ChangeTeamSupervisor';
  teamId: string;
  supervisorId: string;
  occurredAt: string;
}

export type TeamCommand = FormTeam | RenameTeam | ChangeTeamSupervisor;
