import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { AdvanceDealInput } from './advance-deal.input';

export class AdvanceDealCommand extends Command<CommandResult> {
  constructor(
    readonly input: AdvanceDealInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
