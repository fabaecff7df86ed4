import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { AdvanceDealCommand } from './advance-deal.command';

@CommandHandler(AdvanceDealCommand)
export class AdvanceDealHandler implements ICommandHandler<AdvanceDealCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: AdvanceDealCommand): Promise<CommandResult> {
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'AdvanceDeal',
        dealId: input.dealId,
        stage: input.stage,
        occurredAt,
      }),
    });
  }
}
