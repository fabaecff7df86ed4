import type { Skill } from '@kam/kernel';

/**
 * Commands of the TrainingSession aggregate; `occurredAt` is the business time (ISO-8601 UTC).
 * Facts about reps are loaded by the command handler and travel in the command.
 */
export interface ScheduleTraining {
  type: 'ScheduleTraining';
  sessionId: string;
  title: string;
  skill: Skill;
  trainerId: string;
  /** ISO-8601 instant with an offset; stored normalised to UTC. */
  scheduledAt: string;
  durationMinutes: number;
  occurredAt: string;
}

export interface EnrollInTraining {
  type: 'EnrollInTraining';
  sessionId: string;
  repIds: string[];
  /** Each requested rep as the handler found it; null (or missing) = no such rep. */
  reps: Record<string, { active: boolean } | null>;
  occurredAt: string;
}

export interface RecordAttendance {
  type: 'RecordAttendance';
  sessionId: string;
  repId: string;
  attended: boolean;
  score?: number | null;
  occurredAt: string;
}

export interface CompleteTraining {
  type: 'CompleteTraining';
  sessionId: string;
  occurredAt: string;
}

export interface CancelTraining {
  type: 'CancelTraining';
  sessionId: string;
  reason: string;
  occurredAt: string;
}

export type TrainingCommand =
  ScheduleTraining | EnrollInTraining | RecordAttendance | CompleteTraining | CancelTraining;
