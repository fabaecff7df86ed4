import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { ScheduleTrainingCommand } from './schedule-training.command';
import { ScheduleTrainingInput } from './schedule-training.input';

@Resolver()
export class ScheduleTrainingResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Schedules a training session on one skill.' })
  async scheduleTraining(
    @Args('input') input: ScheduleTrainingInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new ScheduleTrainingCommand(input, envelopeOf(input, actor))),
    );
  }
}
