import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { RenameTeamInput } from './rename-team.input';

export class RenameTeamCommand extends Command<CommandResult> {
  constructor(
    readonly input: RenameTeamInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
