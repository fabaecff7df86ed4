import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { FormTeamInput } from './form-team.input';

export class FormTeamCommand extends Command<CommandResult> {
  constructor(
    readonly input: FormTeamInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
