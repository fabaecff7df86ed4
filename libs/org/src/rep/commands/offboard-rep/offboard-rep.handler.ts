import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { assertBusinessTime, ConflictError, newId, streamIdOf } from '@kam/kernel';
import {
  CommandExecutor,
  type CommandEnvelope,
  type CommandResult,
  type LoadedAggregate,
} from '@kam/event-store';
import type { OffboardRep } from '../../rep.commands';
import { repDecider, type RepState } from '../../rep.decider';
import { REP_DEALS_PORT, type RepDealsPort } from '../../rep-deals.port';
import { OffboardRepCommand } from './offboard-rep.command';

/**
 * Offboarding touches several streams (the rep's and each open deal's) and no store offers a
 * transaction across them. The order makes a crash harmless:
 *
 * 1. decide first, with the same checks the executor will make (expected revision, business time,
 *    the rep decider's rules), so a rejected offboarding leaves every stream as it was;
 * 2. reassign each open deal through the port, which derives one command id per deal from the
 *    offboarding's, so a repeat appends nothing for a deal already moved; a deal won, lost or
 *    reassigned by someone else since it was listed is skipped, not refused, so the offboarding
 *    does not stop half way over a race it cannot lose (only a target that stopped being active
 *    still refuses it, with the deals moved so far staying with that target);
 * 3. append `RepOffboarded` last.
 *
 * A crash between 2 and 3 leaves an active rep whose deals (some or all) moved to the target: a
 * consistent state, and a retry with the same `commandId` finishes the job. The reverse order
 * could leave an offboarded rep still owning open deals, which the rules forbid, and the rep
 * decider would then refuse the retry (REP_OFFBOARDED). Once `RepOffboarded` carries the command
 * id, a retry is answered from the rep stream like any other repeat.
 */
@CommandHandler(OffboardRepCommand)
export class OffboardRepHandler implements ICommandHandler<OffboardRepCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    @Inject(REP_DEALS_PORT) private readonly repDeals: RepDealsPort,
  ) {}

  async execute({ input, envelope }: OffboardRepCommand): Promise<CommandResult> {
    const repId = input.repId;
    const streamId = streamIdOf('rep', repId);
    const target = input.reassignOpenDealsTo ?? null;
    // One id for the whole use case: the deal reassignments derive theirs from it.
    const commandId = envelope.commandId ?? newId();
    const scoped: CommandEnvelope = { ...envelope, commandId };
    const reps = this.executor.with(repDecider);

    const loaded = await reps.load(streamId);
    const alreadyDone = loaded.events.some((event) => event.metadata.commandId === commandId);
    let facts: Pick<OffboardRep, 'openDealIds' | 'reassignTarget'> = {
      openDealIds: [],
      reassignTarget: null,
    };

    if (!alreadyDone) {
      facts = {
        // An unknown or offboarded rep is refused by the decider before the deals matter.
        openDealIds: loaded.state.exists && loaded.state.active ? await this.repDeals.openDealIds(repId) : [],
        reassignTarget: target === null ? null : await this.targetFact(target, repId),
      };
      this.decideBeforeSideEffects(loaded, scoped, {
        type: 'OffboardRep',
        repId,
        reassignOpenDealsTo: target,
        ...facts,
      });
      if (target !== null) {
        for (const dealId of facts.openDealIds) {
          // The port derives each deal's command id from the offboarding's and records it as the cause.
          await this.repDeals.reassignDeal(dealId, repId, target, {
            actor: envelope.actor,
            commandId,
            correlationId: envelope.correlationId ?? commandId,
            // Business time of the offboarding, so a history import moves the deals when the rep left.
            occurredAt: envelope.occurredAt,
          });
        }
      }
    }

    return reps.execute({
      streamId,
      aggregateId: repId,
      envelope: scoped,
      command: (occurredAt) => ({
        type: 'OffboardRep',
        repId,
        reassignOpenDealsTo: target,
        ...facts,
        occurredAt,
      }),
    });
  }

  private async targetFact(targetId: string, repId: string): Promise<OffboardRep['reassignTarget']> {
    const loaded = await this.executor.with(repDecider).load(streamIdOf('rep', targetId));
    if (!loaded.state.exists) return null;
    return { active: loaded.state.active, isSameRep: targetId === repId };
  }

  /** The executor's own checks, run once before anything is written anywhere; throws what it would throw. */
  private decideBeforeSideEffects(
    loaded: LoadedAggregate<RepState>,
    envelope: CommandEnvelope,
    command: Omit<OffboardRep, 'occurredAt'>,
  ): void {
    const streamId = streamIdOf('rep', command.repId);
    if (envelope.expectedRevision !== undefined && envelope.expectedRevision !== loaded.revision) {
      throw new ConflictError(
        streamId,
        String(envelope.expectedRevision),
        loaded.revision < 0 ? null : loaded.revision,
      );
    }
    const now = new Date().toISOString();
    const occurredAt = envelope.occurredAt ? new Date(envelope.occurredAt).toISOString() : now;
    assertBusinessTime(occurredAt, now, loaded.events[loaded.events.length - 1]?.metadata.occurredAt);
    repDecider.decide({ ...command, occurredAt }, loaded.state);
  }
}
