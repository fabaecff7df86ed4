import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { WinDealCommand } from './win-deal.command';
import { WinDealInput } from './win-deal.input';

@Resolver()
export class WinDealResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Closes a deal as WON; the won value defaults to the deal value.',
  })
  async winDeal(@Args('input') input: WinDealInput, @CurrentActor() actor: Actor): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new WinDealCommand(input, envelopeOf(input, actor))),
    );
  }
}
