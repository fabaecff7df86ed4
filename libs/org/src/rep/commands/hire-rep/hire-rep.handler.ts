import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { teamDecider } from '../../../team/team.decider';
import { repDecider } from '../../rep.decider';
import { HireRepCommand } from './hire-rep.command';

@CommandHandler(HireRepCommand)
export class HireRepHandler implements ICommandHandler<HireRepCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, envelope }: HireRepCommand): Promise<CommandResult> {
    const { id: repId, fresh } = CommandExecutor.newAggregate(input.repId, envelope.commandId);
    const team = await this.executor.with(teamDecider).loadState(streamIdOf('team', input.teamId));
    return this.executor.with(repDecider).execute({
      streamId: streamIdOf('rep', repId),
      aggregateId: repId,
      fresh,
      envelope,
      command: (occurredAt) => ({
        type: 'HireRep',
        repId,
        name: input.name,
        email: input.email,
        teamId: input.teamId,
        channel: input.channel,
        team: { exists: team.state.exists },
        occurredAt,
      }),
    });
  }
}
