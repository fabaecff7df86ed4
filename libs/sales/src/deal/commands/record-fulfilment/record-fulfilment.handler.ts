import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { RecordFulfilmentCommand } from './record-fulfilment.command';

@CommandHandler(RecordFulfilmentCommand)
export class RecordFulfilmentHandler implements ICommandHandler<RecordFulfilmentCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: RecordFulfilmentCommand): Promise<CommandResult> {
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'RecordFulfilment',
        dealId: input.dealId,
        amountMinor: input.amount,
        note: input.note,
        occurredAt,
      }),
    });
  }
}
