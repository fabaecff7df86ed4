import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { FormTeamCommand } from './form-team.command';
import { FormTeamInput } from './form-team.input';

@Resolver()
export class FormTeamResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Forms a team under a supervising KAM.' })
  async formTeam(@Args('input') input: FormTeamInput, @CurrentActor() actor: Actor): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new FormTeamCommand(input, envelopeOf(input, actor))),
    );
  }
}
