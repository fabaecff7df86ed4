import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { loadAccountFact, loadRepFact } from '../../../sales.facts';
import { OpenDealCommand } from './open-deal.command';

@CommandHandler(OpenDealCommand)
export class OpenDealHandler implements ICommandHandler<OpenDealCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, envelope }: OpenDealCommand): Promise<CommandResult> {
    const { id: dealId, fresh } = CommandExecutor.newAggregate(input.dealId, envelope.commandId);
    const [account, rep] = await Promise.all([
      loadAccountFact(this.executor, input.accountId),
      loadRepFact(this.executor, input.repId),
    ]);
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', dealId),
      aggregateId: dealId,
      fresh,
      envelope,
      command: (occurredAt) => ({
        type: 'OpenDeal',
        dealId,
        accountId: input.accountId,
        repId: input.repId,
        title: input.title,
        valueMinor: input.value,
        channel: input.channel,
        expectedCloseDate: input.expectedCloseDate,
        account,
        rep,
        occurredAt,
      }),
    });
  }
}
