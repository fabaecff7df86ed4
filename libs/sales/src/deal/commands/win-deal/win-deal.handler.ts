import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { WinDealCommand } from './win-deal.command';

@CommandHandler(WinDealCommand)
export class WinDealHandler implements ICommandHandler<WinDealCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: WinDealCommand): Promise<CommandResult> {
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'WinDeal',
        dealId: input.dealId,
        wonValueMinor: input.wonValue,
        contractNumber: input.contractNumber,
        occurredAt,
      }),
    });
  }
}
