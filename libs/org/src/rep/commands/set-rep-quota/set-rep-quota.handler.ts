import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { repDecider } from '../../rep.decider';
import { SetRepQuotaCommand } from './set-rep-quota.command';

@CommandHandler(SetRepQuotaCommand)
export class SetRepQuotaHandler implements ICommandHandler<SetRepQuotaCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: SetRepQuotaCommand): Promise<CommandResult> {
    return this.executor.with(repDecider).execute({
      streamId: streamIdOf('rep', input.repId),
      aggregateId: input.repId,
      envelope,
      command: (occurredAt) => ({
        type: 'SetRepQuota',
        repId: input.repId,
        month: input.month,
        amountMinor: input.amount,
        occurredAt,
      }),
    });
  }
}
