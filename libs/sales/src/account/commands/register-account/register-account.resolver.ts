import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { RegisterAccountCommand } from './register-account.command';
import { RegisterAccountInput } from './register-account.input';

@Resolver()
export class RegisterAccountResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, { description: 'Registers a client account owned by an active rep.' })
  async registerAccount(
    @Args('input') input: RegisterAccountInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new RegisterAccountCommand(input, envelopeOf(input, actor))),
    );
  }
}
