import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { assertNever } from '@kam/kernel';
import { EVENT_STORE, type CommandEnvelope, type CommandResult, type EventStore } from '@kam/event-store';
import type { RepDealsPort } from '@kam/org';
import { ReassignDealCommand } from './commands/reassign-deal/reassign-deal.command';
import type { DealLost, DealOpened, DealReassigned, DealWon } from './deal.events';

/** The deal events that decide who owns a deal and whether it is still open. */
type OwnershipEvent = DealOpened | DealReassigned | DealWon | DealLost;
const OWNERSHIP_EVENT_TYPES: Array<OwnershipEvent['type']> = [
  'DealOpened',
  'DealReassigned',
  'DealWon',
  'DealLost',
];

const PAGE_SIZE = 1000;

/**
 * Sales' implementation of Org's RepDealsPort (offboarding, bound by the API): which deals a rep
 * still has open, and the one way to hand such a deal over — the ReassignDeal use case itself, so the deal
 * decider's rules (closed deals, offboarded targets) hold for offboarding exactly as for the API.
 */
@Injectable()
export class RepDealsService implements RepDealsPort {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly commandBus: CommandBus,
  ) {}

  /**
   * Ids of the deals `repId` owns that are neither won nor lost, in the order they were opened.
   *
   * Scans the whole log (filtered to the four ownership event types) and folds owner and open
   * status per deal: linear in the number of deals ever opened. The API does not use it (it binds
   * Org's port to the deals read model, apps/api/src/wiring); the `--fast` seed does, where the
   * commands run on an in-memory store without read models (apps/cli/src/seed/write-context.ts).
   */
  async openDealIds(repId: string): Promise<string[]> {
    /** dealId → owner, for deals still open; insertion order = order opened. */
    const openOwners = new Map<string, string>();
    let fromPosition: string | undefined;
    for (;;) {
      const page = await this.store.readAll({
        fromPosition,
        maxCount: PAGE_SIZE,
        filter: { eventTypePrefixes: OWNERSHIP_EVENT_TYPES },
      });
      // A filtered page may come back short while more matches follow, so only an empty page ends the scan.
      if (page.length === 0) break;
      for (const recorded of page) {
        const event = { type: recorded.type, data: recorded.data } as OwnershipEvent;
        applyOwnership(openOwners, event);
      }
      fromPosition = page[page.length - 1]!.position;
    }
    return [...openOwners].filter(([, owner]) => owner === repId).map(([dealId]) => dealId);
  }

  /**
   * Hands one deal of `fromRepId` to `toRepId` through the ReassignDeal use case; a deal closed or
   * moved since it was listed is left as it is (ReassignDeal.handOverFrom). The command id derives from
   * the offboarding's (`<commandId>:reassign:<dealId>`), so a retried offboarding appends nothing
   * twice; without a command id in the envelope the reassignment is not retry-safe. The caller's
   * `expectedRevision` belongs to its own stream and is not passed on.
   */
  reassignDeal(dealId: string, fromRepId: string, toRepId: string, envelope: CommandEnvelope): Promise<CommandResult> {
    const commandId =
      envelope.commandId === undefined ? undefined : `${envelope.commandId}:reassign:${dealId}`;
    return this.commandBus.execute(
      new ReassignDealCommand(
        { dealId, repId: toRepId },
        {
          actor: envelope.actor,
          commandId,
          occurredAt: envelope.occurredAt,
          correlationId: envelope.correlationId ?? envelope.commandId,
          causationId: envelope.commandId,
        },
        fromRepId,
      ),
    );
  }
}

function applyOwnership(openOwners: Map<string, string>, event: OwnershipEvent): void {
  switch (event.type) {
    case 'DealOpened':
      openOwners.set(event.data.dealId, event.data.repId);
      return;
    case 'DealReassigned':
      if (openOwners.has(event.data.dealId)) openOwners.set(event.data.dealId, event.data.repId);
      return;
    case 'DealWon':
    case 'DealLost':
      openOwners.delete(event.data.dealId);
      return;
    default:
      assertNever(event);
  }
}
