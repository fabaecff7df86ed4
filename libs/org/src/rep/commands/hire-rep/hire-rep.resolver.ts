import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { HireRepCommand } from './hire-rep.command';
import { HireRepInput } from './hire-rep.input';

@Resolver()
export class HireRepResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Hires a rep into a team and a sales channel.' })
  async hireRep(@Args('input') input: HireRepInput, @CurrentActor() actor: Actor): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new HireRepCommand(input, envelopeOf(input, actor))),
    );
  }
}
