import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { RecordCompetitorCommand } from './record-competitor.command';
import { RecordCompetitorInput } from './record-competitor.input';

@Resolver()
export class RecordCompetitorResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Records a competitor on an open deal (recorded once per name, case-insensitively).',
  })
  async recordCompetitor(
    @Args('input') input: RecordCompetitorInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new RecordCompetitorCommand(input, envelopeOf(input, actor))),
    );
  }
}
