import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { accountDecider } from '../../account.decider';
import { loadRepFact } from '../../../sales.facts';
import { ReassignAccountCommand } from './reassign-account.command';

@CommandHandler(ReassignAccountCommand)
export class ReassignAccountHandler implements ICommandHandler<ReassignAccountCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, envelope }: ReassignAccountCommand): Promise<CommandResult> {
    const ownerRep = await loadRepFact(this.executor, input.ownerRepId);
    return this.executor.with(accountDecider).execute({
      streamId: streamIdOf('account', input.accountId),
      aggregateId: input.accountId,
      envelope,
      command: (occurredAt) => ({
        type: 'ReassignAccount',
        accountId: input.accountId,
        ownerRepId: input.ownerRepId,
        ownerRep,
        occurredAt,
      }),
    });
  }
}
