import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { trainingDecider } from '../../training.decider';
import { CancelTrainingCommand } from './cancel-training.command';

@CommandHandler(CancelTrainingCommand)
export class CancelTrainingHandler implements ICommandHandler<CancelTrainingCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: CancelTrainingCommand): Promise<CommandResult> {
    return this.executor.with(trainingDecider).execute({
      streamId: streamIdOf('training', input.sessionId),
      aggregateId: input.sessionId,
      envelope,
      command: (occurredAt) => ({
        type: 'CancelTraining',
        sessionId: input.sessionId,
        reason: input.reason,
        occurredAt,
      }),
    });
  }
}
