import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { CancelTrainingInput } from './cancel-training.input';

export class CancelTrainingCommand extends Command<CommandResult> {
  constructor(
    readonly input: CancelTrainingInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
