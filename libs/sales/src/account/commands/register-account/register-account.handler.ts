import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { accountDecider } from '../../account.decider';
import { loadRepFact } from '../../../sales.facts';
import { RegisterAccountCommand } from './register-account.command';

@CommandHandler(RegisterAccountCommand)
export class RegisterAccountHandler implements ICommandHandler<RegisterAccountCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, envelope }: RegisterAccountCommand): Promise<CommandResult> {
    const { id: accountId, fresh } = CommandExecutor.newAggregate(input.accountId, envelope.commandId);
    const ownerRep = await loadRepFact(this.executor, input.ownerRepId);
    return this.executor.with(accountDecider).execute({
      streamId: streamIdOf('account', accountId),
      aggregateId: accountId,
      fresh,
      envelope,
      command: (occurredAt) => ({
        type: 'RegisterAccount',
        accountId,
        name: input.name,
        taxId: input.taxId,
        industry: input.industry,
        ownerRepId: input.ownerRepId,
        ownerRep,
        occurredAt,
      }),
    });
  }
}
