import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { RescheduleDealCommand } from './reschedule-deal.command';

@CommandHandler(RescheduleDealCommand)
export class RescheduleDealHandler implements ICommandHandler<RescheduleDealCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: RescheduleDealCommand): Promise<CommandResult> {
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'RescheduleDeal',
        dealId: input.dealId,
        expectedCloseDate: input.expectedCloseDate,
        occurredAt,
      }),
    });
  }
}
