import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { TransferRepInput } from './transfer-rep.input';

export class TransferRepCommand extends Command<CommandResult> {
  constructor(
    readonly input: TransferRepInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
