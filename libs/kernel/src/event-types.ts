/**
 * The registry of every event type string, in one place. Types are stable public names
 * (product.md §2): they never derive from class names, and a stored type is never renamed.
 * `schemaVersion` is the current version of each type's data; older stored versions are
 * lifted by upcasters on read.
 */
export const EVENT_TYPES = {
  TeamFormed: { category: 'team', schemaVersion: 1 },
  TeamRenamed: { category: 'team', schemaVersion: 1 },
  TeamSupervisorChanged: { category: 'team', schemaVersion: 1 },
  RepHired: { category: 'rep', schemaVersion: 1 },
  RepTransferred: { category: 'rep', schemaVersion: 1 },
  RepChannelChanged: { category: 'rep', schemaVersion: 1 },
  RepQuotaSet: { category: 'rep', schemaVersion: 1 },
  RepOffboarded: { category: 'rep', schemaVersion: 1 },
  AccountRegistered: { category: 'account', schemaVersion: 1 },
  AccountReassigned: { category: 'account', schemaVersion: 1 },
  // v2 added `channel`; v1 events are read through dealOpenedV1ToV2 (libs/sales).
  DealOpened: { category: 'deal', schemaVersion: 2 },
  DealStageChanged: { category: 'deal', schemaVersion: 1 },
  DealValueRevised: { category: 'deal', schemaVersion: 1 },
  DealRescheduled: { category: 'deal', schemaVersion: 1 },
  DealReassigned: { category: 'deal', schemaVersion: 1 },
  DealChannelChanged: { category: 'deal', schemaVersion: 1 },
  CompetitorRecorded: { category: 'deal', schemaVersion: 1 },
  DealWon: { category: 'deal', schemaVersion: 1 },
  DealLost: { category: 'deal', schemaVersion: 1 },
  FulfilmentRecorded: { category: 'deal', schemaVersion: 1 },
  TrainingScheduled: { category: 'training', schemaVersion: 1 },
  RepEnrolled: { category: 'training', schemaVersion: 1 },
  AttendanceRecorded: { category: 'training', schemaVersion: 1 },
  TrainingCompleted: { category: 'training', schemaVersion: 1 },
  TrainingCancelled: { category: 'training', schemaVersion: 1 },
} as const;

export type EventType = keyof typeof EVENT_TYPES;
export type StreamCategory = (typeof EVENT_TYPES)[EventType]['category'];

export const STREAM_CATEGORIES = ['team', 'rep', 'account', 'deal', 'training'] as const;

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_TYPES, type);
}

export function streamIdOf(category: StreamCategory, id: string): string {
  return `${category}-${id}`;
}

/** Splits `deal-<uuid>` into its category and id. */
export function parseStreamId(streamId: string): { category: string; id: string } {
  const dash = streamId.indexOf('-');
  return { category: streamId.slice(0, dash), id: streamId.slice(dash + 1) };
}
