import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { ChangeTeamSupervisorCommand } from './change-team-supervisor.command';
import { ChangeTeamSupervisorInput } from './change-team-supervisor.input';

@Resolver()
export class ChangeTeamSupervisorResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Hands a team to another supervising KAM.' })
  async changeTeamSupervisor(
    @Args('input') input: ChangeTeamSupervisorInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new ChangeTeamSupervisorCommand(input, envelopeOf(input, actor))),
    );
  }
}
