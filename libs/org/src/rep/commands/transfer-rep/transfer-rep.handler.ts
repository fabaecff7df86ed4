import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { teamDecider } from '../../../team/team.decider';
import { repDecider } from '../../rep.decider';
import { TransferRepCommand } from './transfer-rep.command';

@CommandHandler(TransferRepCommand)
export class TransferRepHandler implements ICommandHandler<TransferRepCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, envelope }: TransferRepCommand): Promise<CommandResult> {
    const team = await this.executor.with(teamDecider).loadState(streamIdOf('team', input.teamId));
    return this.executor.with(repDecider).execute({
      streamId: streamIdOf('rep', input.repId),
      aggregateId: input.repId,
      envelope,
      command: (occurredAt) => ({
        type: 'TransferRep',
        repId: input.repId,
        teamId: input.teamId,
        team: { exists: team.state.exists },
        occurredAt,
      }),
    });
  }
}
