import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ReviseDealValueInput } from './revise-deal-value.input';

export class ReviseDealValueCommand extends Command<CommandResult> {
  constructor(
    readonly input: ReviseDealValueInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
