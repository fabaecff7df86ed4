import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { LoseDealCommand } from './lose-deal.command';
import { LoseDealInput } from './lose-deal.input';

@Resolver()
export class LoseDealResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Closes a deal as LOST with a reason and, optionally, the competitor it went to.',
  })
  async loseDeal(@Args('input') input: LoseDealInput, @CurrentActor() actor: Actor): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new LoseDealCommand(input, envelopeOf(input, actor))),
    );
  }
}
