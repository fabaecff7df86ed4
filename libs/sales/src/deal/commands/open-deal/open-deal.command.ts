import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { OpenDealInput } from './open-deal.input';

export class OpenDealCommand extends Command<CommandResult> {
  constructor(
    readonly input: OpenDealInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
