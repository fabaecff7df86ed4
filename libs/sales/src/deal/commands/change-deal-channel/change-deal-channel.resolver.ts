import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { ChangeDealChannelCommand } from './change-deal-channel.command';
import { ChangeDealChannelInput } from './change-deal-channel.input';

@Resolver()
export class ChangeDealChannelResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Changes the sales channel of an open deal.' })
  async changeDealChannel(
    @Args('input') input: ChangeDealChannelInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new ChangeDealChannelCommand(input, envelopeOf(input, actor))),
    );
  }
}
