import { Command } from '@nestjs/cqrs';
import type { CommandEnvelope, CommandResult } from '@kam/event-store';
import type { RecordAttendanceInput } from './record-attendance.input';

export class RecordAttendanceCommand extends Command<CommandResult> {
  constructor(
    readonly input: RecordAttendanceInput,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}
