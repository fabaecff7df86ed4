import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { repDecider } from '@kam/org';
import { streamIdOf } from '@kam/kernel';
import { CommandExecutor, type CommandResult } from '@kam/event-store';
import type { EnrollInTraining } from '../../training.commands';
import { trainingDecider } from '../../training.decider';
import { EnrollInTrainingCommand } from './enroll-in-training.command';

/** Reps are read a few at a time: enough to overlap the reads, few enough not to swamp the store. */
const REP_READ_CONCURRENCY = 16;

@CommandHandler(EnrollInTrainingCommand)
export class EnrollInTrainingHandler implements ICommandHandler<EnrollInTrainingCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  async execute({ input, envelope }: EnrollInTrainingCommand): Promise<CommandResult> {
    const reps = await this.repFacts(input.repIds);
    return this.executor.with(trainingDecider).execute({
      streamId: streamIdOf('training', input.sessionId),
      aggregateId: input.sessionId,
      envelope,
      command: (occurredAt) => ({
        type: 'EnrollInTraining',
        sessionId: input.sessionId,
        repIds: input.repIds,
        reps,
        occurredAt,
      }),
    });
  }

  /** Each requested rep as its stream tells it: `{ active }`, or null when there is no such rep. */
  private async repFacts(repIds: string[]): Promise<EnrollInTraining['reps']> {
    const loader = this.executor.with(repDecider);
    const facts: EnrollInTraining['reps'] = {};
    const ids = [...new Set(repIds)];
    for (let i = 0; i < ids.length; i += REP_READ_CONCURRENCY) {
      const batch = ids.slice(i, i + REP_READ_CONCURRENCY);
      const loaded = await Promise.all(batch.map((repId) => loader.loadState(streamIdOf('rep', repId))));
      batch.forEach((repId, index) => {
        const state = loaded[index]?.state;
        facts[repId] = state?.exists ? { active: state.active } : null;
      });
    }
    return facts;
  }
}
