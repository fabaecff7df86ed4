import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { WinDealInput } from './win-deal.input';

export class WinDealCommand extends Command<CommandResult> {
  constructor(
    readonly input: WinDealInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
