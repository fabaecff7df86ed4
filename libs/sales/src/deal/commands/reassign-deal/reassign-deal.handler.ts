import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { loadRepFact } from '../../../sales.facts';
import { ReassignDealCommand } from './reassign-deal.command';

@CommandHandler(ReassignDealCommand)
export class ReassignDealHandler implements ICommandHandler<ReassignDealCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, envelope, handOverFrom }: ReassignDealCommand): Promise<CommandResult> {
    const targetRep = await loadRepFact(this.executor, input.repId);
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'ReassignDeal',
        dealId: input.dealId,
        repId: input.repId,
        targetRep,
        handOverFrom,
        occurredAt,
      }),
    });
  }
}
