import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { CompleteTrainingCommand } from './complete-training.command';
import { CompleteTrainingInput } from './complete-training.input';

@Resolver()
export class CompleteTrainingResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Completes a session once it has started; a session is completed once.',
  })
  async completeTraining(
    @Args('input') input: CompleteTrainingInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new CompleteTrainingCommand(input, envelopeOf(input, actor))),
    );
  }
}
