import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { trainingDecider } from '../../training.decider';
import { CompleteTrainingCommand } from './complete-training.command';

@CommandHandler(CompleteTrainingCommand)
export class CompleteTrainingHandler implements ICommandHandler<CompleteTrainingCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: CompleteTrainingCommand): Promise<CommandResult> {
    return this.executor.with(trainingDecider).execute({
      streamId: streamIdOf('training', input.sessionId),
      aggregateId: input.sessionId,
      envelope,
      command: (occurredAt) => ({ type: 'CompleteTraining', sessionId: input.sessionId, occurredAt }),
    });
  }
}
