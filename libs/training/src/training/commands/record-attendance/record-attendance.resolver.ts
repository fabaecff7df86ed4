import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentActor, MutationResult, envelopeOf, type Actor } from '@kam/graphql';
import { RecordAttendanceCommand } from './record-attendance.command';
import { RecordAttendanceInput } from './record-attendance.input';

@Resolver()
export class RecordAttendanceResolver {
  constructor(private readonly commandBus: CommandBus) {}

  @Mutation(() => MutationResult, {
    description:
      "Records an enrolled rep's attendance and optional score (0-100); a new record replaces the old.",
  })
  async recordAttendance(
    @Args('input') input: RecordAttendanceInput,
    @CurrentActor() actor: Actor,
  ): Promise<MutationResult> {
    return MutationResult.of(
      await this.commandBus.execute(new RecordAttendanceCommand(input, envelopeOf(input, actor))),
    );
  }
}
