import { Field, Int, ObjectType } from '@nestjs/graphql';
import type { RecordedEvent } from '@kam/event-store';
import { Connection, DateTimeScalar, JSONScalar } from '@kam/graphql';

@ObjectType('EventRecord', { description: 'One event of the global log, as the BI change feed serves it.' })
export class EventRecordModel {
  @Field({ description: 'Global log position; also the cursor to resume after this event.' })
  position!: string;
  @Field()
  streamId!: string;
  @Field(() => Int)
  revision!: number;
  @Field()
  type!: string;
  @Field(() => DateTimeScalar, { description: 'Business time (metadata.occurredAt).' })
  occurredAt!: string;
  @Field(() => DateTimeScalar, { description: 'When the store recorded the event.' })
  recordedAt!: string;
  @Field(() => String, { nullable: true, description: 'Token subject of whoever issued the command.' })
  actor!: string | null;
  @Field(() => JSONScalar)
  data!: unknown;
  @Field(() => JSONScalar)
  metadata!: unknown;
}

export const EventRecordConnection = Connection(EventRecordModel, 'EventRecord');

@ObjectType('HistoryEntry', { description: "One event of an entity's stream." })
export class HistoryEntryModel {
  @Field()
  position!: string;
  @Field(() => Int)
  revision!: number;
  @Field()
  type!: string;
  @Field(() => DateTimeScalar)
  occurredAt!: string;
  @Field(() => String, { nullable: true })
  actor!: string | null;
  @Field(() => JSONScalar)
  data!: unknown;
}

function businessTime(event: RecordedEvent): string {
  const at = event.metadata?.occurredAt;
  return typeof at === 'string' ? at : event.recordedAt.toISOString();
}

function actorOf(event: RecordedEvent): string | null {
  const actor = event.metadata?.actor;
  return typeof actor === 'string' ? actor : null;
}

export function toEventRecord(event: RecordedEvent): EventRecordModel {
  return {
    position: event.position,
    streamId: event.streamId,
    revision: event.revision,
    type: event.type,
    occurredAt: businessTime(event),
    recordedAt: event.recordedAt.toISOString(),
    actor: actorOf(event),
    data: event.data,
    metadata: event.metadata,
  };
}

export function toHistoryEntry(event: RecordedEvent): HistoryEntryModel {
  return {
    position: event.position,
    revision: event.revision,
    type: event.type,
    occurredAt: businessTime(event),
    actor: actorOf(event),
    data: event.data,
  };
}
