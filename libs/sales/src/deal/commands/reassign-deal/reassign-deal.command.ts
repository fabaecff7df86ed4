import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ReassignDealInput } from './reassign-deal.input';

export class ReassignDealCommand extends Command<CommandResult> {
  constructor(
    readonly input: ReassignDealInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
