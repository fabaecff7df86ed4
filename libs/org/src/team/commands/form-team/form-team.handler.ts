import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import { teamDecider } from '../../team.decider';
import { FormTeamCommand } from './form-team.command';

@CommandHandler(FormTeamCommand)
export class FormTeamHandler implements ICommandHandler<FormTeamCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ input, envelope }: FormTeamCommand): Promise<CommandResult> {
    const { id: teamId, fresh } = CommandExecutor.newAggregate(input.teamId, envelope.commandId);
    return this.executor.with(teamDecider).execute({
      streamId: streamIdOf('team', teamId),
      aggregateId: teamId,
      fresh,
      envelope,
      command: (occurredAt) => ({
        type: 'FormTeam',
        teamId,
        name: input.name,
        supervisorId: input.supervisorId,
        occurredAt,
      }),
    });
  }
}
