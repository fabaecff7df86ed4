import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { OffboardRepInput } from './offboard-rep.input';

export class OffboardRepCommand extends Command<CommandResult> {
  constructor(
    readonly input: OffboardRepInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
