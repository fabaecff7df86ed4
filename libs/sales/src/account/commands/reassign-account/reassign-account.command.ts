import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ReassignAccountInput } from './reassign-account.input';

export class ReassignAccountCommand extends Command<CommandResult> {
  constructor(
    readonly input: ReassignAccountInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
