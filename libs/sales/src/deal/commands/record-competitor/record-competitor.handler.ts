import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { dealDecider } from '../../deal.decider';
import { RecordCompetitorCommand } from './record-competitor.command';

@CommandHandler(RecordCompetitorCommand)
export class RecordCompetitorHandler implements ICommandHandler<RecordCompetitorCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: RecordCompetitorCommand): Promise<CommandResult> {
    return this.executor.with(dealDecider).execute({
      streamId: streamIdOf('deal', input.dealId),
      aggregateId: input.dealId,
      envelope,
      command: (occurredAt) => ({
        type: 'RecordCompetitor',
        dealId: input.dealId,
        competitor: input.competitor,
        occurredAt,
      }),
    });
  }
}
