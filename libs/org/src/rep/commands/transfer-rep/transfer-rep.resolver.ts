import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { TransferRepCommand } from './transfer-rep.command';
import { TransferRepInput } from './transfer-rep.input';

@Resolver()
export class TransferRepResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Moves a rep to another team; a rep belongs to exactly one team at a time.',
  })
  async transferRep(
    @Args('input') input: TransferRepInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new TransferRepCommand(input, envelopeOf(input, actor))),
    );
  }
}
