import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { CompleteTrainingInput } from './complete-training.input';

export class CompleteTrainingCommand extends Command<CommandResult> {
  constructor(
    readonly input: CompleteTrainingInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
