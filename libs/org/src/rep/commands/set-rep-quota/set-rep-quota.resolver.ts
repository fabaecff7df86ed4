import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { SetRepQuotaCommand } from './set-rep-quota.command';
import { SetRepQuotaInput } from './set-rep-quota.input';

@Resolver()
export class SetRepQuotaResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description: "Sets a rep's quota for a calendar month, replacing an earlier one.",
  })
  async setRepQuota(
    @Args('input') input: SetRepQuotaInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new SetRepQuotaCommand(input, envelopeOf(input, actor))),
    );
  }
}
