import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { repDecider } from '../../rep.decider';
import { ChangeRepChannelCommand } from './change-rep-channel.command';

@CommandHandler(ChangeRepChannelCommand)
export class ChangeRepChannelHandler implements ICommandHandler<ChangeRepChannelCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: ChangeRepChannelCommand): Promise<CommandResult> {
    return this.executor.with(repDecider).execute({
      streamId: streamIdOf('rep', input.repId),
      aggregateId: input.repId,
      envelope,
      command: (occurredAt) => ({
        type: 'ChangeRepChannel',
        repId: input.repId,
        channel: input.channel,
        reason: input.reason ?? null,
        occurredAt,
      }),
    });
  }
}
