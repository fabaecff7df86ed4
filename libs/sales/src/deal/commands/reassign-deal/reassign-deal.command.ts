import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ReassignDealInput } from './reassign-deal.input';

export class ReassignDealCommand extends Command<CommandResult> {
  constructor(
    readonly input: ReassignDealInput,
    readonly envelope: CommandEnvelope,
    /** An offboarding's hand-over from this rep (see ReassignDeal.handOverFrom); never set from the API. */
    readonly handOverFrom?: string,
  ) {
    super();
  }
}
