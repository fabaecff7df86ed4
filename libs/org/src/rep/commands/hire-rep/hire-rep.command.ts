import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { HireRepInput } from './hire-rep.input';

export class HireRepCommand extends Command<CommandResult> {
  constructor(
    readonly input: HireRepInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
