import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { ScheduleTrainingInput } from './schedule-training.input';

export class ScheduleTrainingCommand extends Command<CommandResult> {
  constructor(
    readonly input: ScheduleTrainingInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
