import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { EnrollInTrainingInput } from './enroll-in-training.input';

export class EnrollInTrainingCommand extends Command<CommandResult> {
  constructor(
    readonly input: EnrollInTrainingInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
