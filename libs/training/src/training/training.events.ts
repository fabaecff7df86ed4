import type { DomainEvent, Skill } from '@kam/kernel';

export type TrainingScheduled = DomainEvent<
  'TrainingScheduled',
  { sessionId: string; title: string; skill: Skill; trainerId: string; scheduledAt: string; durationMinutes: number }
>;
/** One event per rep newly enrolled; enrolling an already enrolled rep emits nothing for that rep. */
export type RepEnrolled = DomainEvent<'RepEnrolled', { sessionId: string; repId: string }>;
/** Recording again for the same rep replaces the earlier record. `score` is an integer 0–100 or null. */
export type AttendanceRecorded = DomainEvent<
  'AttendanceRecorded',
  { sessionId: string; repId: string; attended: boolean; score: number | null }
>;
/** The completion date is the event's `occurredAt`. */
export type TrainingCompleted = DomainEvent<'TrainingCompleted', { sessionId: string }>;
export type TrainingCancelled = DomainEvent<'TrainingCancelled', { sessionId: string; reason: string }>;

export type TrainingEvent = TrainingScheduled | RepEnrolled | AttendanceRecorded | TrainingCompleted | TrainingCancelled;
