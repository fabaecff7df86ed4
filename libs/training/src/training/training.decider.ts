import {
  assertNever,
  type Decider,
  DomainRuleViolation,
  NotFoundError,
  parseInstant,
  type Skill,
  type TrainingStatus,
} from '@kam/kernel';
import type { TrainingCommand } from './training.commands';
import type { TrainingEvent } from './training.events';
import {
  MAX_DURATION_MINUTES,
  MAX_SCORE,
  MAX_TITLE_LENGTH,
  MIN_DURATION_MINUTES,
  MIN_SCORE,
  TRAINING_RULES,
} from './training.rules';

export interface AttendanceRecord {
  attended: boolean;
  score: number | null;
}

/** Before `TrainingScheduled` there is nothing to read; afterwards every field is known. */
export type TrainingState =
  | { exists: false }
  | {
      exists: true;
      sessionId: string;
      title: string;
      skill: Skill;
      trainerId: string;
      /** ISO-8601 UTC. */
      scheduledAt: string;
      durationMinutes: number;
      status: TrainingStatus;
      /** Enrolled rep ids in enrolment order. */
      enrolled: string[];
      /** Latest attendance record per rep id (a later record replaces an earlier one). */
      attendance: Record<string, AttendanceRecord>;
      cancellationReason: string | null;
    };

type ExistingTraining = Extract<TrainingState, { exists: true }>;

function violation(reason: string, message: string): DomainRuleViolation {
  return new DomainRuleViolation(reason, message);
}

function requireSession(state: TrainingState, sessionId: string): ExistingTraining {
  if (!state.exists) throw new NotFoundError('TrainingSession', sessionId);
  return state;
}

/** Only a scheduled session changes: a cancelled one takes nothing, a completed one is closed. */
function requireScheduled(state: TrainingState, sessionId: string): ExistingTraining {
  const session = requireSession(state, sessionId);
  switch (session.status) {
    case 'SCHEDULED':
      return session;
    case 'CANCELLED':
      throw violation(TRAINING_RULES.TRAINING_CANCELLED, `Training ${sessionId} is cancelled`);
    case 'COMPLETED':
      throw violation(
        TRAINING_RULES.TRAINING_ALREADY_COMPLETED,
        `Training ${sessionId} is already completed`,
      );
    default:
      return assertNever(session.status);
  }
}

/** Nobody attends, or completes, a session before it begins (in business time). */
function requireStarted(session: ExistingTraining, occurredAt: string, what: string): void {
  if (Date.parse(occurredAt) < Date.parse(session.scheduledAt)) {
    throw violation(
      TRAINING_RULES.TRAINING_NOT_STARTED,
      `Training ${session.sessionId} starts at ${session.scheduledAt}; ${what} before then`,
    );
  }
}

function has<V>(record: Record<string, V>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/**
 * Idempotent by design: enrolling reps who are already enrolled, or recording the same
 * attendance again, decides no events (the caller's intent already holds). A different
 * attendance record for the same rep replaces the earlier one.
 */
export const trainingDecider: Decider<TrainingCommand, TrainingState, TrainingEvent> = {
  initialState: () => ({ exists: false }),

  decide(command, state) {
    switch (command.type) {
      case 'ScheduleTraining': {
        if (state.exists) {
          throw violation(
            TRAINING_RULES.TRAINING_ALREADY_SCHEDULED,
            `Training ${command.sessionId} is already scheduled`,
          );
        }
        const title = command.title.trim();
        if (title === '') throw violation(TRAINING_RULES.TITLE_REQUIRED, 'A training needs a title');
        if (title.length > MAX_TITLE_LENGTH) {
          throw violation(TRAINING_RULES.TITLE_TOO_LONG, `A title is at most ${MAX_TITLE_LENGTH} characters`);
        }
        const trainerId = command.trainerId.trim();
        if (trainerId === '') throw violation(TRAINING_RULES.TRAINER_REQUIRED, 'A training needs a trainer');
        const scheduledAt = parseInstant(command.scheduledAt);
        if (scheduledAt === null) {
          throw violation(
            TRAINING_RULES.INVALID_SCHEDULED_AT,
            `"${command.scheduledAt}" is not an ISO-8601 date-time with an offset`,
          );
        }
        const { durationMinutes } = command;
        if (
          !Number.isInteger(durationMinutes) ||
          durationMinutes < MIN_DURATION_MINUTES ||
          durationMinutes > MAX_DURATION_MINUTES
        ) {
          throw violation(
            TRAINING_RULES.INVALID_DURATION,
            `durationMinutes must be a whole number from ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES}`,
          );
        }
        return [
          {
            type: 'TrainingScheduled',
            data: {
              sessionId: command.sessionId,
              title,
              skill: command.skill,
              trainerId,
              scheduledAt: scheduledAt.toISOString(),
              durationMinutes,
            },
          },
        ];
      }
      case 'EnrollInTraining': {
        const session = requireScheduled(state, command.sessionId);
        const newRepIds = [...new Set(command.repIds)].filter((repId) => !session.enrolled.includes(repId));
        // Every rep is checked before anything is emitted: an enrolment is all or nothing.
        for (const repId of newRepIds) {
          const rep = has(command.reps, repId) ? command.reps[repId] : null;
          if (!rep) throw new NotFoundError('Rep', repId);
          if (!rep.active) throw violation(TRAINING_RULES.REP_INACTIVE, `Rep ${repId} is offboarded`);
        }
        return newRepIds.map((repId) => ({
          type: 'RepEnrolled',
          data: { sessionId: session.sessionId, repId },
        }));
      }
      case 'RecordAttendance': {
        const session = requireScheduled(state, command.sessionId);
        requireStarted(session, command.occurredAt, 'attendance cannot be recorded');
        if (!session.enrolled.includes(command.repId)) {
          throw violation(
            TRAINING_RULES.REP_NOT_ENROLLED,
            `Rep ${command.repId} is not enrolled in training ${session.sessionId}`,
          );
        }
        const score = command.score ?? null;
        if (score !== null && (!Number.isInteger(score) || score < MIN_SCORE || score > MAX_SCORE)) {
          throw violation(
            TRAINING_RULES.SCORE_OUT_OF_RANGE,
            `A score is a whole number from ${MIN_SCORE} to ${MAX_SCORE}`,
          );
        }
        if (score !== null && !command.attended) {
          throw violation(
            TRAINING_RULES.SCORE_WITHOUT_ATTENDANCE,
            'Only a rep who attended can have a score',
          );
        }
        const previous = has(session.attendance, command.repId)
          ? session.attendance[command.repId]
          : undefined;
        if (previous && previous.attended === command.attended && previous.score === score) return [];
        return [
          {
            type: 'AttendanceRecorded',
            data: { sessionId: session.sessionId, repId: command.repId, attended: command.attended, score },
          },
        ];
      }
      case 'CompleteTraining': {
        const session = requireScheduled(state, command.sessionId);
        requireStarted(session, command.occurredAt, 'it cannot be completed');
        return [{ type: 'TrainingCompleted', data: { sessionId: session.sessionId } }];
      }
      case 'CancelTraining': {
        const session = requireScheduled(state, command.sessionId);
        const reason = command.reason.trim();
        if (reason === '') throw violation(TRAINING_RULES.REASON_REQUIRED, 'A cancellation needs a reason');
        return [{ type: 'TrainingCancelled', data: { sessionId: session.sessionId, reason } }];
      }
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TrainingScheduled':
        return {
          exists: true,
          sessionId: event.data.sessionId,
          title: event.data.title,
          skill: event.data.skill,
          trainerId: event.data.trainerId,
          scheduledAt: event.data.scheduledAt,
          durationMinutes: event.data.durationMinutes,
          status: 'SCHEDULED',
          enrolled: [],
          attendance: {},
          cancellationReason: null,
        };
      case 'RepEnrolled':
        if (!state.exists || state.enrolled.includes(event.data.repId)) return state;
        return { ...state, enrolled: [...state.enrolled, event.data.repId] };
      case 'AttendanceRecorded':
        return state.exists
          ? {
              ...state,
              attendance: {
                ...state.attendance,
                [event.data.repId]: { attended: event.data.attended, score: event.data.score },
              },
            }
          : state;
      case 'TrainingCompleted':
        return state.exists ? { ...state, status: 'COMPLETED' } : state;
      case 'TrainingCancelled':
        return state.exists
          ? { ...state, status: 'CANCELLED', cancellationReason: event.data.reason }
          : state;
      default:
        return assertNever(event);
    }
  },
};
