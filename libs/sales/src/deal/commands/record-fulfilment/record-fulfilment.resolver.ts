import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { RecordFulfilmentCommand } from './record-fulfilment.command';
import { RecordFulfilmentInput } from './record-fulfilment.input';

@Resolver()
export class RecordFulfilmentResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Records fulfilment of a won deal; the cumulative fulfilment never exceeds the won value.',
  })
  async recordFulfilment(
    @Args('input') input: RecordFulfilmentInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new RecordFulfilmentCommand(input, envelopeOf(input, actor))),
    );
  }
}
