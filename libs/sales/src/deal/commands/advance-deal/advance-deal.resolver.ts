import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { AdvanceDealCommand } from './advance-deal.command';
import { AdvanceDealInput } from './advance-deal.input';

@Resolver()
export class AdvanceDealResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description:
      'Moves an open deal to another open stage (either direction); WON/LOST go through winDeal/loseDeal.',
  })
  async advanceDeal(
    @Args('input') input: AdvanceDealInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new AdvanceDealCommand(input, envelopeOf(input, actor))),
    );
  }
}
