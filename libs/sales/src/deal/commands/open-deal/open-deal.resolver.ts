import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { OpenDealCommand } from './open-deal.command';
import { OpenDealInput } from './open-deal.input';

@Resolver()
export class OpenDealResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description:
      "Opens a deal on an account for an active rep, in PROSPECTING; the channel defaults to the rep's.",
  })
  async openDeal(@Args('input') input: OpenDealInput, @CurrentActor() actor: Actor): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new OpenDealCommand(input, envelopeOf(input, actor))),
    );
  }
}
