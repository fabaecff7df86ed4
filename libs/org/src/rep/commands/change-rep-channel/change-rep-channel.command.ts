import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ChangeRepChannelInput } from './change-rep-channel.input';

export class ChangeRepChannelCommand extends Command<CommandResult> {
  constructor(
    readonly input: ChangeRepChannelInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
