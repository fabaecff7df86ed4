import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { trainingDecider } from '../../training.decider';
import { RecordAttendanceCommand } from './record-attendance.command';

@CommandHandler(RecordAttendanceCommand)
export class RecordAttendanceHandler implements ICommandHandler<RecordAttendanceCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: RecordAttendanceCommand): Promise<CommandResult> {
    return this.executor.with(trainingDecider).execute({
      streamId: streamIdOf('training', input.sessionId),
      aggregateId: input.sessionId,
      envelope,
      command: (occurredAt) => ({
        type: 'RecordAttendance',
        sessionId: input.sessionId,
        repId: input.repId,
        attended: input.attended,
        score: input.score ?? null,
        occurredAt,
      }),
    });
  }
}
