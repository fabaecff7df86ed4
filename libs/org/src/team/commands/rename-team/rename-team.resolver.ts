import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { RenameTeamCommand } from './rename-team.command';
import { RenameTeamInput } from './rename-team.input';

@Resolver()
export class RenameTeamResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Renames a team; renaming to the current name changes nothing.',
  })
  async renameTeam(
    @Args('input') input: RenameTeamInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new RenameTeamCommand(input, envelopeOf(input, actor))),
    );
  }
}
