import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { LoseDealInput } from './lose-deal.input';

export class LoseDealCommand extends Command<CommandResult> {
  constructor(
    readonly input: LoseDealInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
