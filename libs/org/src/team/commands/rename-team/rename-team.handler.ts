import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { teamDecider } from '../../team.decider';
import { RenameTeamCommand } from './rename-team.command';

@CommandHandler(RenameTeamCommand)
export class RenameTeamHandler implements ICommandHandler<RenameTeamCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: RenameTeamCommand): Promise<CommandResult> {
    return this.executor.with(teamDecider).execute({
      streamId: streamIdOf('team', input.teamId),
      aggregateId: input.teamId,
      envelope,
      command: (occurredAt) => ({ type: 'RenameTeam', teamId: input.teamId, name: input.name, occurredAt }),
    });
  }
}
