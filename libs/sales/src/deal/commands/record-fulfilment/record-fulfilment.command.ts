import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { RecordFulfilmentInput } from './record-fulfilment.input';

export class RecordFulfilmentCommand extends Command<CommandResult> {
  constructor(
    readonly input: RecordFulfilmentInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
