import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { OffboardRepCommand } from './offboard-rep.command';
import { OffboardRepInput } from './offboard-rep.input';

@Resolver()
export class OffboardRepResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: 'Offboards a rep; open deals need reassignOpenDealsTo and move to that rep first.',
  })
  async offboardRep(
    @Args('input') input: OffboardRepInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new OffboardRepCommand(input, envelopeOf(input, actor))),
    );
  }
}
