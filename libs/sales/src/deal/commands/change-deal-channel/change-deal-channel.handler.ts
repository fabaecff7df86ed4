import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { ChangeDealChannelCommand } from './change-deal-channel.command';

@CommandHandler(ChangeDealChannelCommand)
export class ChangeDealChannelHandler implements ICommandHandler<ChangeDealChannelCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: ChangeDealChannelCommand): Promise<CommandResult> {
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'ChangeDealChannel',
        dealId: input.dealId,
        channel: input.channel,
        occurredAt,
      }),
    });
  }
}
