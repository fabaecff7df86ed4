import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { ReviseDealValueCommand } from './revise-deal-value.command';
import { ReviseDealValueInput } from './revise-deal-value.input';

@Resolver()
export class ReviseDealValueResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Revises the value of an open deal.' })
  async reviseDealValue(
    @Args('input') input: ReviseDealValueInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new ReviseDealValueCommand(input, envelopeOf(input, actor))),
    );
  }
}
