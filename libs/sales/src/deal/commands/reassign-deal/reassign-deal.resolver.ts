import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { ReassignDealCommand } from './reassign-deal.command';
import { ReassignDealInput } from './reassign-deal.input';

@Resolver()
export class ReassignDealResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Hands an open deal to another active rep.' })
  async reassignDeal(
    @Args('input') input: ReassignDealInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new ReassignDealCommand(input, envelopeOf(input, actor))),
    );
  }
}
