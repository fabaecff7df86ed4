import { fold, NotFoundError } from '@kam/kernel';
import { given } from '@kam/kernel/testing';
import type {
  CancelTraining,
  CompleteTraining,
  EnrollInTraining,
  RecordAttendance,
  ScheduleTraining,
} from './training.commands';
import { trainingDecider } from './training.decider';
import type {
  AttendanceRecorded,
  RepEnrolled,
  TrainingCancelled,
  TrainingCompleted,
  TrainingScheduled,
} from './training.events';

const sessionId = '3e4f5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7';
const anna = 'rep-anna';
const jan = 'rep-jan';
const ola = 'rep-ola';
/** The session starts at 10:00 UTC; things that need it to have started happen at 12:00. */
const scheduledAt = '2026-11-20T10:00:00.000Z';
const before = '2026-11-02T09:00:00.000Z';
const after = '2026-11-20T12:00:00.000Z';

const scheduled: TrainingScheduled = {
  type: 'TrainingScheduled',
  data: {
    sessionId,
    title: 'Negotiating with procurement',
    skill: 'NEGOTIATION',
    trainerId: 'kam-1',
    scheduledAt,
    durationMinutes: 240,
  },
};
const enrolled = (repId: string): RepEnrolled => ({ type: 'RepEnrolled', data: { sessionId, repId } });
const attendance = (repId: string, attended: boolean, score: number | null): AttendanceRecorded => ({
  type: 'AttendanceRecorded',
  data: { sessionId, repId, attended, score },
});
const completed: TrainingCompleted = { type: 'TrainingCompleted', data: { sessionId } };
const cancelled: TrainingCancelled = {
  type: 'TrainingCancelled',
  data: { sessionId, reason: 'trainer ill' },
};

const schedule = (overrides: Partial<ScheduleTraining> = {}): ScheduleTraining => ({
  type: 'ScheduleTraining',
  sessionId,
  title: 'Negotiating with procurement',
  skill: 'NEGOTIATION',
  trainerId: 'kam-1',
  scheduledAt,
  durationMinutes: 240,
  occurredAt: before,
  ...overrides,
});
const enroll = (repIds: string[], reps: EnrollInTraining['reps'] = {}): EnrollInTraining => ({
  type: 'EnrollInTraining',
  sessionId,
  repIds,
  reps: { [anna]: { active: true }, [jan]: { active: true }, [ola]: { active: true }, ...reps },
  occurredAt: before,
});
const record = (overrides: Partial<RecordAttendance> = {}): RecordAttendance => ({
  type: 'RecordAttendance',
  sessionId,
  repId: anna,
  attended: true,
  score: 80,
  occurredAt: after,
  ...overrides,
});
const complete = (occurredAt = after): CompleteTraining => ({
  type: 'CompleteTraining',
  sessionId,
  occurredAt,
});
const cancel = (reason = 'trainer ill'): CancelTraining => ({
  type: 'CancelTraining',
  sessionId,
  reason,
  occurredAt: before,
});

describe('trainingDecider', () => {
  describe('ScheduleTraining', () => {
    it('schedules a session', () => {
      given(trainingDecider, []).when(schedule()).then([scheduled]);
    });

    it('keeps the title trimmed and the start in UTC', () => {
      given(trainingDecider, [])
        .when(schedule({ title: ' Negotiating with procurement ', scheduledAt: '2026-11-20T11:00:00+01:00' }))
        .then([scheduled]);
    });

    it('schedules a session once', () => {
      given(trainingDecider, [scheduled]).when(schedule()).thenThrows('TRAINING_ALREADY_SCHEDULED');
    });

    it('needs a title', () => {
      given(trainingDecider, [])
        .when(schedule({ title: ' ' }))
        .thenThrows('TITLE_REQUIRED');
    });

    it('refuses an overlong title', () => {
      given(trainingDecider, [])
        .when(schedule({ title: 'x'.repeat(201) }))
        .thenThrows('TITLE_TOO_LONG');
    });

    it('needs a trainer', () => {
      given(trainingDecider, [])
        .when(schedule({ trainerId: '' }))
        .thenThrows('TRAINER_REQUIRED');
    });

    it.each(['2026-11-20', '2026-11-20T10:00:00', '2026-02-30T10:00:00Z', 'tomorrow'])(
      'refuses the start %p',
      (start) => {
        given(trainingDecider, [])
          .when(schedule({ scheduledAt: start }))
          .thenThrows('INVALID_SCHEDULED_AT');
      },
    );

    it.each([0, -30, 1441, 90.5, Number.NaN])('refuses a duration of %p minutes', (durationMinutes) => {
      given(trainingDecider, []).when(schedule({ durationMinutes })).thenThrows('INVALID_DURATION');
    });

    it.each([1, 1440])('accepts a duration of %p minutes', (durationMinutes) => {
      given(trainingDecider, [])
        .when(schedule({ durationMinutes }))
        .then([{ ...scheduled, data: { ...scheduled.data, durationMinutes } }]);
    });
  });

  describe('EnrollInTraining', () => {
    it('enrols each rep with one event, in the order asked', () => {
      given(trainingDecider, [scheduled])
        .when(enroll([jan, anna]))
        .then([enrolled(jan), enrolled(anna)]);
    });

    it('enrols only the reps not enrolled yet', () => {
      given(trainingDecider, [scheduled, enrolled(anna)])
        .when(enroll([anna, jan, jan]))
        .then([enrolled(jan)]);
    });

    it('does nothing when every rep is enrolled already', () => {
      given(trainingDecider, [scheduled, enrolled(anna)])
        .when(enroll([anna]))
        .then([]);
    });

    it('enrols only reps who exist, and then nobody', () => {
      const error = given(trainingDecider, [scheduled])
        .when(enroll([anna, 'rep-ghost'], { 'rep-ghost': null }))
        .thenThrows('NOT_FOUND');
      expect(error).toEqual(new NotFoundError('Rep', 'rep-ghost'));
    });

    it('treats a rep the handler did not look up as unknown', () => {
      given(trainingDecider, [scheduled])
        .when(enroll(['rep-unlooked']))
        .thenThrows('NOT_FOUND');
    });

    it('does not enrol an offboarded rep', () => {
      given(trainingDecider, [scheduled])
        .when(enroll([anna, jan], { [jan]: { active: false } }))
        .thenThrows('REP_INACTIVE');
    });

    it('enrols only into a session that exists', () => {
      const error = given(trainingDecider, [])
        .when(enroll([anna]))
        .thenThrows('NOT_FOUND');
      expect(error).toEqual(new NotFoundError('TrainingSession', sessionId));
    });

    it('enrols nobody into a cancelled session', () => {
      given(trainingDecider, [scheduled, cancelled])
        .when(enroll([anna]))
        .thenThrows('TRAINING_CANCELLED');
    });

    it('enrols nobody into a completed session', () => {
      given(trainingDecider, [scheduled, completed])
        .when(enroll([anna]))
        .thenThrows('TRAINING_ALREADY_COMPLETED');
    });
  });

  describe('RecordAttendance', () => {
    const withAnna = [scheduled, enrolled(anna)];

    it('records that an enrolled rep attended, with a score', () => {
      given(trainingDecider, withAnna)
        .when(record())
        .then([attendance(anna, true, 80)]);
    });

    it('records attendance without a score', () => {
      given(trainingDecider, withAnna)
        .when(record({ score: undefined }))
        .then([attendance(anna, true, null)]);
    });

    it('records an absence', () => {
      given(trainingDecider, withAnna)
        .when(record({ attended: false, score: null }))
        .then([attendance(anna, false, null)]);
    });

    it('replaces an earlier record for the rep', () => {
      given(trainingDecider, [...withAnna, attendance(anna, true, 80)])
        .when(record({ score: 95 }))
        .then([attendance(anna, true, 95)]);
    });

    it('does nothing when the same record is there already', () => {
      given(trainingDecider, [...withAnna, attendance(anna, true, 80)])
        .when(record())
        .then([]);
    });

    it('records attendance only for enrolled reps', () => {
      given(trainingDecider, withAnna)
        .when(record({ repId: jan }))
        .thenThrows('REP_NOT_ENROLLED');
    });

    it.each([0, 100])('accepts the score %p', (score) => {
      given(trainingDecider, withAnna)
        .when(record({ score }))
        .then([attendance(anna, true, score)]);
    });

    it.each([-1, 101, 72.5, Number.NaN])('refuses the score %p', (score) => {
      given(trainingDecider, withAnna).when(record({ score })).thenThrows('SCORE_OUT_OF_RANGE');
    });

    it('scores only a rep who attended', () => {
      given(trainingDecider, withAnna)
        .when(record({ attended: false, score: 50 }))
        .thenThrows('SCORE_WITHOUT_ATTENDANCE');
    });

    it('records no attendance before the session starts', () => {
      given(trainingDecider, withAnna)
        .when(record({ occurredAt: '2026-11-20T09:59:59.999Z' }))
        .thenThrows('TRAINING_NOT_STARTED');
    });

    it('records attendance from the moment the session starts', () => {
      given(trainingDecider, withAnna)
        .when(record({ occurredAt: scheduledAt }))
        .then([attendance(anna, true, 80)]);
    });

    it('records attendance only for a session that exists', () => {
      given(trainingDecider, []).when(record()).thenThrows('NOT_FOUND');
    });

    it('records nothing for a cancelled session', () => {
      given(trainingDecider, [...withAnna, cancelled])
        .when(record())
        .thenThrows('TRAINING_CANCELLED');
    });

    it('records nothing once the session is completed', () => {
      given(trainingDecider, [...withAnna, completed])
        .when(record())
        .thenThrows('TRAINING_ALREADY_COMPLETED');
    });
  });

  describe('CompleteTraining', () => {
    it('completes a session that has started', () => {
      given(trainingDecider, [scheduled, enrolled(anna), attendance(anna, true, 80)])
        .when(complete())
        .then([completed]);
    });

    it('completes a session once', () => {
      given(trainingDecider, [scheduled, completed])
        .when(complete())
        .thenThrows('TRAINING_ALREADY_COMPLETED');
    });

    it('does not complete a session before it starts', () => {
      given(trainingDecider, [scheduled]).when(complete(before)).thenThrows('TRAINING_NOT_STARTED');
    });

    it('completes only a session that exists', () => {
      given(trainingDecider, []).when(complete()).thenThrows('NOT_FOUND');
    });

    it('does not complete a cancelled session', () => {
      given(trainingDecider, [scheduled, cancelled]).when(complete()).thenThrows('TRAINING_CANCELLED');
    });
  });

  describe('CancelTraining', () => {
    it('cancels a scheduled session with a reason', () => {
      given(trainingDecider, [scheduled, enrolled(anna)])
        .when(cancel(' trainer ill '))
        .then([cancelled]);
    });

    it('needs a reason', () => {
      given(trainingDecider, [scheduled]).when(cancel('  ')).thenThrows('REASON_REQUIRED');
    });

    it('cancels a session once', () => {
      given(trainingDecider, [scheduled, cancelled]).when(cancel()).thenThrows('TRAINING_CANCELLED');
    });

    it('does not cancel a completed session', () => {
      given(trainingDecider, [scheduled, completed]).when(cancel()).thenThrows('TRAINING_ALREADY_COMPLETED');
    });

    it('cancels only a session that exists', () => {
      given(trainingDecider, []).when(cancel()).thenThrows('NOT_FOUND');
    });
  });

  describe('evolve', () => {
    it('starts with no session', () => {
      expect(trainingDecider.initialState()).toEqual({ exists: false });
    });

    it('folds enrolment order, the latest attendance per rep and the status', () => {
      const state = fold(trainingDecider, [
        scheduled,
        enrolled(jan),
        enrolled(anna),
        enrolled(ola),
        attendance(anna, true, 70),
        attendance(jan, false, null),
        attendance(anna, true, 90),
        completed,
      ]);
      expect(state).toEqual({
        exists: true,
        sessionId,
        title: 'Negotiating with procurement',
        skill: 'NEGOTIATION',
        trainerId: 'kam-1',
        scheduledAt,
        durationMinutes: 240,
        status: 'COMPLETED',
        enrolled: [jan, anna, ola],
        attendance: { [anna]: { attended: true, score: 90 }, [jan]: { attended: false, score: null } },
        cancellationReason: null,
      });
    });

    it('folds a cancellation with its reason', () => {
      const state = fold(trainingDecider, [scheduled, cancelled]);
      expect(state).toMatchObject({ status: 'CANCELLED', cancellationReason: 'trainer ill' });
    });

    it('does not enrol a rep twice even if the stream says so', () => {
      const state = fold(trainingDecider, [scheduled, enrolled(anna), enrolled(anna)]);
      expect(state).toMatchObject({ enrolled: [anna] });
    });
  });
});
