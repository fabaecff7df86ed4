import { randomUUID } from 'node:crypto';
import type { EventMetadata, SalesChannel } from '@kam/kernel';
import { testMetadata } from '@kam/kernel/testing';
import type { EventStore } from '@kam/event-store';

/**
 * Org facts for tests of other contexts, appended straight to the log so those tests do not
 * depend on the Org mutations. Event shapes are Org's published events (RepHired, TeamFormed, …).
 */
function metadata(occurredAt = new Date(Date.now() - 60_000).toISOString()): EventMetadata {
  return testMetadata('test-fixture', occurredAt);
}

export async function formTeamDirect(
  store: EventStore,
  team: { teamId?: string; name?: string; supervisorId?: string } = {},
): Promise<string> {
  const teamId = team.teamId ?? randomUUID();
  await store.append(
    `team-${teamId}`,
    [
      {
        id: randomUUID(),
        type: 'TeamFormed',
        data: {
          teamId,
          name: team.name ?? `Team ${teamId.slice(0, 8)}`,
          supervisorId: team.supervisorId ?? 'kam-1',
        },
        metadata: metadata(),
      },
    ],
    'no_stream',
  );
  return teamId;
}

export async function hireRepDirect(
  store: EventStore,
  rep: { teamId: string; repId?: string; name?: string; email?: string; channel?: SalesChannel },
): Promise<string> {
  const repId = rep.repId ?? randomUUID();
  await store.append(
    `rep-${repId}`,
    [
      {
        id: randomUUID(),
        type: 'RepHired',
        data: {
          repId,
          name: rep.name ?? `Rep ${repId.slice(0, 8)}`,
          email: rep.email ?? `${repId.slice(0, 8)}@example.com`,
          teamId: rep.teamId,
          channel: rep.channel ?? 'FIELD',
        },
        metadata: metadata(),
      },
    ],
    'no_stream',
  );
  return repId;
}

/** Marks a hired rep as offboarded (no reassignment: the test decides what the rep still owns). */
export async function offboardRepDirect(store: EventStore, repId: string): Promise<void> {
  await store.append(
    `rep-${repId}`,
    [
      {
        id: randomUUID(),
        type: 'RepOffboarded',
        data: { repId, reassignOpenDealsTo: null },
        metadata: metadata(),
      },
    ],
    'stream_exists',
  );
}
