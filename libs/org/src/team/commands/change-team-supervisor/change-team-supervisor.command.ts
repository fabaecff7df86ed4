import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ChangeTeamSupervisorInput } from './change-team-supervisor.input';

export class ChangeTeamSupervisorCommand extends Command<CommandResult> {
  constructor(
    readonly input: ChangeTeamSupervisorInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
