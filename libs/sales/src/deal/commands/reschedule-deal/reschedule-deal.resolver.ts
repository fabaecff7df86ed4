import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { RescheduleDealCommand } from './reschedule-deal.command';
import { RescheduleDealInput } from './reschedule-deal.input';

@Resolver()
export class RescheduleDealResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Moves the expected close date of an open deal.' })
  async rescheduleDeal(
    @Args('input') input: RescheduleDealInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new RescheduleDealCommand(input, envelopeOf(input, actor))),
    );
  }
}
