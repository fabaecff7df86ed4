import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ChangeDealChannelInput } from './change-deal-channel.input';

export class ChangeDealChannelCommand extends Command<CommandResult> {
  constructor(
    readonly input: ChangeDealChannelInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
