import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { ReassignAccountCommand } from './reassign-account.command';
import { ReassignAccountInput } from './reassign-account.input';

@Resolver()
export class ReassignAccountResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Hands an account to another active rep.' })
  async reassignAccount(
    @Args('input') input: ReassignAccountInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new ReassignAccountCommand(input, envelopeOf(input, actor))),
    );
  }
}
