import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { trainingDecider } from '../../training.decider';
import { ScheduleTrainingCommand } from './schedule-training.command';

@CommandHandler(ScheduleTrainingCommand)
export class ScheduleTrainingHandler implements ICommandHandler<ScheduleTrainingCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: ScheduleTrainingCommand): Promise<CommandResult> {
    const { id: sessionId, fresh } = CommandExecutor.newAggregate(input.sessionId, envelope.commandId);
    return this.executor.with(trainingDecider).execute({
      streamId: streamIdOf('training', sessionId),
      aggregateId: sessionId,
      fresh,
      envelope,
      command: (occurredAt) => ({
        type: 'ScheduleTraining',
        sessionId,
        title: input.title,
        skill: input.skill,
        trainerId: input.trainerId,
        scheduledAt: input.scheduledAt,
        durationMinutes: input.durationMinutes,
        occurredAt,
      }),
    });
  }
}
