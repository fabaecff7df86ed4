import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { CancelTrainingCommand } from './cancel-training.command';
import { CancelTrainingInput } from './cancel-training.input';

@Resolver()
export class CancelTrainingResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Cancels a scheduled session with a reason.' })
  async cancelTraining(
    @Args('input') input: CancelTrainingInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new CancelTrainingCommand(input, envelopeOf(input, actor))),
    );
  }
}
