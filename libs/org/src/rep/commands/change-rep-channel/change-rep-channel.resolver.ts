import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { ChangeRepChannelCommand } from './change-rep-channel.command';
import { ChangeRepChannelInput } from './change-rep-channel.input';

@Resolver()
export class ChangeRepChannelResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Moves a rep to another sales channel; the current channel changes nothing.',
  })
  async changeRepChannel(
    @Args('input') input: ChangeRepChannelInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new ChangeRepChannelCommand(input, envelopeOf(input, actor))),
    );
  }
}
