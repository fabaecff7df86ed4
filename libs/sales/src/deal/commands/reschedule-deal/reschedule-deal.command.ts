import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { RescheduleDealInput } from './reschedule-deal.input';

export class RescheduleDealCommand extends Command<CommandResult> {
  constructor(
    readonly input: RescheduleDealInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
