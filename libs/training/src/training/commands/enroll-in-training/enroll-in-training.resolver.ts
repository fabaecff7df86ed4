import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { EnrollInTrainingCommand } from './enroll-in-training.command';
import { EnrollInTrainingInput } from './enroll-in-training.input';

@Resolver()
export class EnrollInTrainingResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Enrols active reps in a scheduled session; already enrolled reps are skipped.',
  })
  async enrollInTraining(
    @Args('input') input: EnrollInTrainingInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new EnrollInTrainingCommand(input, envelopeOf(input, actor))),
    );
  }
}
