import { randomUUID } from 'node:crypto';
import type { StoreKind, TestApp } from './support/test-app';
import {
  expectRejected,
  minutesFromNow,
  run,
  send,
  snapshot,
  startAdminApp,
  typesOf,
} from './support/write-side';

const STORES: StoreKind[] = ['sqlite', 'esdb-double'];

describe.each(STORES)('training write side over HTTP on %s', (storeKind) => {
  let app: TestApp;
  let teamId: string;
  /** Two active reps and one offboarded rep, hired through the org mutations. */
  let reps: { anna: string; jan: string; gone: string };

  beforeAll(async () => {
    app = await startAdminApp(storeKind);
    teamId = (await run(app, 'formTeam', { name: 'Trainees', supervisorId: 'kam-1' })).id;
    const hire = async (name: string) =>
      (await run(app, 'hireRep', { name, email: `${name}@example.com`, teamId, channel: 'FIELD' })).id;
    reps = { anna: await hire('anna'), jan: await hire('jan'), gone: await hire('gone') };
    await run(app, 'offboardRep', { repId: reps.gone });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  /**
   * A session that began an hour ago unless told otherwise: the decider refuses attendance and
   * completion before `scheduledAt`, and ADMIN may schedule in the past (it is just a field).
   */
  async function schedule(input: Record<string, unknown> = {}): Promise<string> {
    const result = await run(app, 'scheduleTraining', {
      title: 'Negotiating framework agreements',
      skill: 'NEGOTIATION',
      trainerId: 'kam-1',
      scheduledAt: minutesFromNow(-60),
      durationMinutes: 90,
      ...input,
    });
    return result.id;
  }

  async function scheduleWith(repIds: string[], input: Record<string, unknown> = {}): Promise<string> {
    const sessionId = await schedule(input);
    await run(app, 'enrollInTraining', { sessionId, repIds });
    return sessionId;
  }

  describe('scheduleTraining', () => {
    it('schedules a session with the given id, scheduledAt normalised to UTC', async () => {
      const sessionId = randomUUID();
      const result = await run(app, 'scheduleTraining', {
        sessionId,
        title: ' Key account planning ',
        skill: 'KEY_ACCOUNT_PLANNING',
        trainerId: 'kam-1',
        scheduledAt: '2026-12-01T10:00:00+01:00',
        durationMinutes: 120,
      });
      expect(result).toMatchObject({ id: sessionId, revision: 0 });
      const [scheduled] = await app.store.readStream(`training-${sessionId}`);
      expect(scheduled).toMatchObject({
        type: 'TrainingScheduled',
        position: result.position,
        data: {
          sessionId,
          title: 'Key account planning',
          skill: 'KEY_ACCOUNT_PLANNING',
          trainerId: 'kam-1',
          scheduledAt: '2026-12-01T09:00:00.000Z',
          durationMinutes: 120,
        },
      });
    });

    it('refuses: the same session twice, a blank title, bad duration, skill, date and trainer', async () => {
      const sessionId = await schedule();
      const input = {
        title: 'Stress resilience',
        skill: 'STRESS_RESILIENCE',
        trainerId: 'kam-1',
        scheduledAt: '2026-12-02T10:00:00Z',
        durationMinutes: 60,
      };
      await expectRejected(
        app,
        'scheduleTraining',
        { ...input, sessionId },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_ALREADY_SCHEDULED' },
      );
      await expectRejected(
        app,
        'scheduleTraining',
        { ...input, title: '   ' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TITLE_REQUIRED' },
      );
      await expectRejected(
        app,
        'scheduleTraining',
        { ...input, durationMinutes: 0 },
        { code: 'BAD_USER_INPUT', field: 'durationMinutes' },
      );
      await expectRejected(
        app,
        'scheduleTraining',
        { ...input, durationMinutes: 1441 },
        { code: 'BAD_USER_INPUT', field: 'durationMinutes' },
      );
      await expectRejected(
        app,
        'scheduleTraining',
        { ...input, skill: 'JUGGLING' },
        { code: 'BAD_USER_INPUT', field: 'skill' },
      );
      await expectRejected(
        app,
        'scheduleTraining',
        { ...input, scheduledAt: '2026-02-30T10:00:00Z' },
        { code: 'BAD_USER_INPUT', field: 'scheduledAt' },
      );
      await expectRejected(
        app,
        'scheduleTraining',
        { ...input, trainerId: '' },
        { code: 'BAD_USER_INPUT', field: 'trainerId' },
      );
    });
  });

  describe('enrollInTraining', () => {
    it('enrols reps once each; enrolling them again writes nothing', async () => {
      const sessionId = await schedule();
      const result = await run(app, 'enrollInTraining', { sessionId, repIds: [reps.anna, reps.jan] });
      expect(result).toMatchObject({ id: sessionId, revision: 2 });
      const events = await app.store.readStream(`training-${sessionId}`);
      expect(events.slice(1).map((e) => [e.type, e.data])).toEqual([
        ['RepEnrolled', { sessionId, repId: reps.anna }],
        ['RepEnrolled', { sessionId, repId: reps.jan }],
      ]);

      const before = await snapshot(app.store);
      expect(await run(app, 'enrollInTraining', { sessionId, repIds: [reps.jan] })).toMatchObject({
        revision: 2,
      });
      expect(await snapshot(app.store)).toEqual(before);
    });

    it('refuses the whole enrolment when one rep is unknown or offboarded', async () => {
      const sessionId = await schedule();
      await expectRejected(
        app,
        'enrollInTraining',
        { sessionId, repIds: [reps.anna, randomUUID()] },
        { code: 'NOT_FOUND' },
      );
      await expectRejected(
        app,
        'enrollInTraining',
        { sessionId, repIds: [reps.anna, reps.gone] },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_INACTIVE' },
      );
      await expectRejected(
        app,
        'enrollInTraining',
        { sessionId: randomUUID(), repIds: [reps.anna] },
        { code: 'NOT_FOUND' },
      );
      expect(await typesOf(app.store, `training-${sessionId}`)).toEqual(['TrainingScheduled']);
    });

    it('refuses malformed rep lists: empty, duplicated, not UUIDs, more than 500', async () => {
      const sessionId = await schedule();
      const bad = { code: 'BAD_USER_INPUT', field: 'repIds' };
      await expectRejected(app, 'enrollInTraining', { sessionId, repIds: [] }, bad);
      await expectRejected(app, 'enrollInTraining', { sessionId, repIds: [reps.anna, reps.anna] }, bad);
      await expectRejected(app, 'enrollInTraining', { sessionId, repIds: ['rep-1'] }, bad);
      await expectRejected(
        app,
        'enrollInTraining',
        { sessionId, repIds: Array.from({ length: 501 }, () => randomUUID()) },
        bad,
      );
    });
  });

  describe('recordAttendance', () => {
    it('records attendance with a score and replaces it with a later record', async () => {
      const sessionId = await scheduleWith([reps.anna, reps.jan]);
      await run(app, 'recordAttendance', { sessionId, repId: reps.anna, attended: true, score: 85 });
      await run(app, 'recordAttendance', { sessionId, repId: reps.jan, attended: false });
      const result = await run(app, 'recordAttendance', {
        sessionId,
        repId: reps.anna,
        attended: true,
        score: 90,
      });
      expect(result.revision).toBe(5);
      const attendance = (await app.store.readStream(`training-${sessionId}`)).filter(
        (e) => e.type === 'AttendanceRecorded',
      );
      expect(attendance.map((e) => e.data)).toEqual([
        { sessionId, repId: reps.anna, attended: true, score: 85 },
        { sessionId, repId: reps.jan, attended: false, score: null },
        { sessionId, repId: reps.anna, attended: true, score: 90 },
      ]);
    });

    it('refuses: score 101, a rep not enrolled, a score without attendance, a session not started yet', async () => {
      const sessionId = await scheduleWith([reps.anna]);
      await expectRejected(
        app,
        'recordAttendance',
        { sessionId, repId: reps.anna, attended: true, score: 101 },
        { code: 'BAD_USER_INPUT', field: 'score' },
      );
      await expectRejected(
        app,
        'recordAttendance',
        { sessionId, repId: reps.jan, attended: true },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REP_NOT_ENROLLED' },
      );
      await expectRejected(
        app,
        'recordAttendance',
        { sessionId, repId: reps.anna, attended: false, score: 40 },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'SCORE_WITHOUT_ATTENDANCE' },
      );
      const upcoming = await scheduleWith([reps.anna], { scheduledAt: minutesFromNow(24 * 60) });
      await expectRejected(
        app,
        'recordAttendance',
        { sessionId: upcoming, repId: reps.anna, attended: true },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_NOT_STARTED' },
      );
      await expectRejected(
        app,
        'recordAttendance',
        { sessionId: randomUUID(), repId: reps.anna, attended: true },
        { code: 'NOT_FOUND' },
      );
    });
  });

  describe('completeTraining and cancelTraining', () => {
    it('completes a started session once', async () => {
      const sessionId = await scheduleWith([reps.anna]);
      const result = await run(app, 'completeTraining', { sessionId });
      expect(result.revision).toBe(2);
      expect(await typesOf(app.store, `training-${sessionId}`)).toEqual([
        'TrainingScheduled',
        'RepEnrolled',
        'TrainingCompleted',
      ]);
      await expectRejected(
        app,
        'completeTraining',
        { sessionId },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_ALREADY_COMPLETED' },
      );
      await expectRejected(
        app,
        'cancelTraining',
        { sessionId, reason: 'Too late' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_ALREADY_COMPLETED' },
      );
      await expectRejected(
        app,
        'recordAttendance',
        { sessionId, repId: reps.anna, attended: true },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_ALREADY_COMPLETED' },
      );
    });

    it('refuses to complete a session that has not started or does not exist', async () => {
      const upcoming = await schedule({ scheduledAt: minutesFromNow(24 * 60) });
      await expectRejected(
        app,
        'completeTraining',
        { sessionId: upcoming },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_NOT_STARTED' },
      );
      await expectRejected(app, 'completeTraining', { sessionId: randomUUID() }, { code: 'NOT_FOUND' });
      await expectRejected(
        app,
        'completeTraining',
        { sessionId: 'x' },
        { code: 'BAD_USER_INPUT', field: 'sessionId' },
      );
    });

    it('cancels a session with a reason; a cancelled session takes nothing more', async () => {
      const sessionId = await schedule({ scheduledAt: minutesFromNow(24 * 60) });
      const result = await run(app, 'cancelTraining', { sessionId, reason: ' Trainer ill ' });
      expect(result.revision).toBe(1);
      const [, cancelled] = await app.store.readStream(`training-${sessionId}`);
      expect(cancelled).toMatchObject({
        type: 'TrainingCancelled',
        data: { sessionId, reason: 'Trainer ill' },
      });

      const gone = { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_CANCELLED' };
      await expectRejected(app, 'cancelTraining', { sessionId, reason: 'Again' }, gone);
      await expectRejected(app, 'enrollInTraining', { sessionId, repIds: [reps.anna] }, gone);
      await expectRejected(app, 'completeTraining', { sessionId }, gone);
    });

    it('refuses a cancellation without a reason', async () => {
      const sessionId = await schedule();
      await expectRejected(
        app,
        'cancelTraining',
        { sessionId, reason: '' },
        { code: 'BAD_USER_INPUT', field: 'reason' },
      );
      await expectRejected(
        app,
        'cancelTraining',
        { sessionId, reason: '   ' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'REASON_REQUIRED' },
      );
    });
  });

  describe('idempotency and concurrency', () => {
    it('answers a retried commandId with the first result and appends nothing', async () => {
      const scheduleInput = {
        title: 'Prospecting',
        skill: 'PROSPECTING',
        trainerId: 'kam-1',
        scheduledAt: minutesFromNow(-30),
        durationMinutes: 45,
        commandId: randomUUID(),
      };
      const first = await run(app, 'scheduleTraining', scheduleInput);
      const enrol = { sessionId: first.id, repIds: [reps.anna, reps.jan], commandId: randomUUID() };
      const enrolled = await run(app, 'enrollInTraining', enrol);
      const before = await snapshot(app.store);
      expect(await run(app, 'scheduleTraining', scheduleInput)).toEqual(first);
      expect(await run(app, 'enrollInTraining', enrol)).toEqual(enrolled);
      expect(await snapshot(app.store)).toEqual(before);
    });

    it('lets exactly one of 10 concurrent writers with the same expectedRevision win', async () => {
      const sessionId = await schedule({ scheduledAt: minutesFromNow(60) });
      const before = await snapshot(app.store);
      const replies = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          send(app, 'cancelTraining', { sessionId, reason: `Reason ${i}`, expectedRevision: 0 }),
        ),
      );
      const codes = replies.map((r) => (r.errors?.length ? r.errors[0]!.extensions?.code : 'OK'));
      expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
      expect(codes.filter((c) => c === 'CONFLICT')).toHaveLength(9);
      expect(await typesOf(app.store, `training-${sessionId}`)).toEqual([
        'TrainingScheduled',
        'TrainingCancelled',
      ]);
      expect((await snapshot(app.store)).count).toBe(before.count + 1);
    });
  });

  describe('business time (ADMIN history import)', () => {
    it('imports a past session: scheduled, attended and completed at the business times given', async () => {
      const sessionId = await schedule({
        scheduledAt: '2025-03-10T09:00:00Z',
        occurredAt: '2025-03-01T08:00:00Z',
      });
      await run(app, 'enrollInTraining', {
        sessionId,
        repIds: [reps.anna],
        occurredAt: '2025-03-02T08:00:00Z',
      });
      await run(app, 'recordAttendance', {
        sessionId,
        repId: reps.anna,
        attended: true,
        score: 70,
        occurredAt: '2025-03-10T11:00:00Z',
      });
      await run(app, 'completeTraining', { sessionId, occurredAt: '2025-03-10T11:30:00Z' });
      const events = await app.store.readStream(`training-${sessionId}`);
      expect(events.map((e) => e.metadata.occurredAt)).toEqual([
        '2025-03-01T08:00:00.000Z',
        '2025-03-02T08:00:00.000Z',
        '2025-03-10T11:00:00.000Z',
        '2025-03-10T11:30:00.000Z',
      ]);
    });

    it('refuses occurredAt more than 5 minutes ahead (OCCURRED_IN_FUTURE)', async () => {
      await expectRejected(
        app,
        'scheduleTraining',
        {
          title: 'Future',
          skill: 'COMMUNICATION',
          trainerId: 'kam-1',
          scheduledAt: minutesFromNow(60),
          durationMinutes: 30,
          occurredAt: minutesFromNow(10),
        },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'OCCURRED_IN_FUTURE' },
      );
    });

    it("refuses occurredAt before the stream's last event (OCCURRED_BEFORE_STREAM)", async () => {
      const sessionId = await schedule({
        scheduledAt: '2025-05-10T09:00:00Z',
        occurredAt: '2025-05-01T00:00:00Z',
      });
      await expectRejected(
        app,
        'cancelTraining',
        { sessionId, reason: 'Backdated', occurredAt: '2025-04-30T00:00:00Z' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'OCCURRED_BEFORE_STREAM' },
      );
    });

    it('refuses a completion before the session began, in business time (TRAINING_NOT_STARTED)', async () => {
      const sessionId = await schedule({
        scheduledAt: '2025-06-10T09:00:00Z',
        occurredAt: '2025-06-01T00:00:00Z',
      });
      await expectRejected(
        app,
        'completeTraining',
        { sessionId, occurredAt: '2025-06-09T09:00:00Z' },
        { code: 'DOMAIN_RULE_VIOLATED', reason: 'TRAINING_NOT_STARTED' },
      );
    });
  });
});
