import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { teamDecider } from '../../team.decider';
import { ChangeTeamSupervisorCommand } from './change-team-supervisor.command';

@CommandHandler(ChangeTeamSupervisorCommand)
export class ChangeTeamSupervisorHandler implements ICommandHandler<
  ChangeTeamSupervisorCommand,
  CommandResult
> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: ChangeTeamSupervisorCommand): Promise<CommandResult> {
    return this.executor.with(teamDecider).execute({
      streamId: streamIdOf('team', input.teamId),
      aggregateId: input.teamId,
      envelope,
      command: (occurredAt) => ({
        type: 'ChangeTeamSupervisor',
        teamId: input.teamId,
        supervisorId: input.supervisorId,
        occurredAt,
      }),
    });
  }
}
