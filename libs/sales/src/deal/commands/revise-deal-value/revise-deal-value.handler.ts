import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { ReviseDealValueCommand } from './revise-deal-value.command';

@CommandHandler(ReviseDealValueCommand)
export class ReviseDealValueHandler implements ICommandHandler<ReviseDealValueCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: ReviseDealValueCommand): Promise<CommandResult> {
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'ReviseDealValue',
        dealId: input.dealId,
        valueMinor: input.value,
        reason: input.reason,
        occurredAt,
      }),
    });
  }
}
