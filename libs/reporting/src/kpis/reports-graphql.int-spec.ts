import 'reflect-metadata';
import { Global, Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE, NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphQLNonNull, isObjectType, type GraphQLError, type GraphQLSchema } from 'graphql';
import { BadUserInputError, KamError } from '@kam/kernel';
import { DateScalar, DateTimeScalar, MoneyScalar, type ReadScope } from '@kam/graphql';
import { EVENT_STORE, openSqliteEventStore, type EventStore } from '@kam/event-store';
import { EntitiesModule } from '../entities/entities.module';
import { ENTITY_PROJECTIONS } from '../entities/entity-projections';
import { READ_FRESHNESS, READ_MODEL_ACCESS, type ReadFreshness } from '../feed/read-freshness';
import { REPORT_PROJECTIONS } from './report-projections';
import { ReportsModule } from './reports.module';
import { EventLog, project, sqliteBackend, type ReportDb } from './testing/report-test-kit';

jest.setTimeout(60_000);

/*
 * The report queries over GraphQL (Mercurius), wired like the API wires them: the app provides
 * READ_MODEL_ACCESS and READ_FRESHNESS globally, ReportsModule brings the resolvers. Scenario:
 * team A, r1 (FIELD) with a monthly quota of 3100.00 for January 2026;
 *   G1 won 01-10 for 1250.00 (opened 01-05: 5 days); G2 lost 01-12 (value 500.00);
 *   G3 open at PROPOSAL with 1000.00 (weighted ×0.5 = 500.00).
 * Period = January 2026 (long past, so open pipeline is taken at its end): quota 3100.00
 * (31/31 days), attainment 125000 / 310000.
 */
function scenario(): EventLog {
  return new EventLog()
    .team('A', '2025-12-01T00:00:00Z')
    .hire('r1', 'A', '2025-12-01T00:00:00Z')
    .quota('r1', '2026-01', 310000, '2025-12-02T00:00:00Z')
    .account('acc-1', 'Northwind', 'r1', '2025-12-03T00:00:00Z')
    .open('G1', { repId: 'r1', valueMinor: 100000, accountId: 'acc-1' }, '2026-01-05T00:00:00Z')
    .competitor('G1', 'Acme', '2026-01-06T00:00:00Z')
    .win('G1', 125000, '2026-01-10T00:00:00Z')
    .open('G2', { repId: 'r1', valueMinor: 50000 }, '2026-01-06T00:00:00Z')
    .lose('G2', 50000, '2026-01-12T00:00:00Z', { competitor: 'Acme' })
    .open('G3', { repId: 'r1', valueMinor: 100000 }, '2026-01-07T00:00:00Z')
    .stage('G3', 'PROSPECTING', 'PROPOSAL', '2026-01-08T00:00:00Z')
    .schedule('S1', 'NEGOTIATION', '2026-01-09T09:00:00Z', '2026-01-02T00:00:00Z')
    .enroll('S1', 'r1', '2026-01-02T00:00:00Z')
    .attendance('S1', 'r1', true, 90, '2026-01-09T10:00:00Z')
    .complete('S1', '2026-01-09T12:00:00Z');
}

describe.each([
  { entities: false, label: 'without the entity read models' },
  { entities: true, label: 'next to the entity read models' },
])('report queries over GraphQL $label', ({ entities }) => {
  let rdb: ReportDb;
  let app: NestFastifyApplication;
  let store: EventStore;
  const waited: Array<string | null | undefined> = [];

  async function gql(query: string, variables: Record<string, unknown> = {}, scope?: ReadScope) {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: { 'content-type': 'application/json', ...(scope ? { 'x-test-scope': JSON.stringify(scope) } : {}) },
      payload: JSON.stringify({ query, variables }),
    });
    return response.json() as { data: any; errors?: Array<{ message: string; extensions: { code: string } }> };
  }

  beforeAll(async () => {
    rdb = await sqliteBackend.open();
    // The entities module reads the log (change feed, live events); no report query does.
    store = await openSqliteEventStore({ file: ':memory:' });
    await project(rdb, entities ? [...REPORT_PROJECTIONS, ...ENTITY_PROJECTIONS] : REPORT_PROJECTIONS, scenario().events);
    const freshness: ReadFreshness = {
      waitFor: async (position) => {
        waited.push(position);
      },
    };
    @Global()
    @Module({
      providers: [
        { provide: READ_MODEL_ACCESS, useValue: rdb.access },
        { provide: READ_FRESHNESS, useValue: freshness },
        { provide: EVENT_STORE, useValue: store },
      ],
      exports: [READ_MODEL_ACCESS, READ_FRESHNESS, EVENT_STORE],
    })
    class TestInfrastructureModule {}

    @Module({
      imports: [
        TestInfrastructureModule,
        GraphQLModule.forRoot<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          autoSchemaFile: true,
          sortSchema: true,
          resolvers: { Money: MoneyScalar, Date: DateScalar, DateTime: DateTimeScalar },
          path: '/graphql',
          // The scope comes from a test header here; the API resolves it from the token.
          context: (request: { headers: Record<string, string | string[] | undefined> }) => ({
            scope: JSON.parse(String(request.headers['x-test-scope'] ?? '{"kind":"all"}')) as ReadScope,
          }),
          errorFormatter: (execution) => ({
            statusCode: 200,
            response: {
              data: execution.data ?? null,
              errors: (execution.errors ?? []).map((e) => {
                const original = (e as GraphQLError).originalError;
                return { message: e.message, extensions: { code: original instanceof KamError ? original.code : e.extensions?.code } };
              }),
            },
          }),
        }),
        ReportsModule,
        ...(entities ? [EntitiesModule] : []),
      ],
      providers: [
        {
          provide: APP_PIPE,
          useFactory: () =>
            new ValidationPipe({ transform: true, whitelist: true, exceptionFactory: () => new BadUserInputError([{ field: 'input', message: 'invalid' }]) }),
        },
      ],
    })
    class TestAppModule {}

    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, new FastifyAdapter(), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await rdb?.dispose();
  });

  it('serves teamPerformance with Money strings and null-able rates, waiting for atLeastPosition', async () => {
    const reply = await gql(
      `query($p: PeriodInput!) { teamPerformance(teamId: "A", period: $p, atLeastPosition: "42") {
         teamId kpis { wonCount wonValue lostCount lostValue winRate averageDealSize averageSalesCycleDays
                       openPipelineValue weightedPipelineValue quota quotaAttainment pipelineCoverage }
         reps { repId rep { id } kpis { wonValue } } } }`,
      { p: { from: '2026-01-01', to: '2026-01-31' } },
    );
    expect(reply.errors).toBeUndefined();
    // won 1250.00 (5 days), lost 500.00; open G3 1000.00 at PROPOSAL → weighted 500.00.
    // Quota 3100.00; attainment 1250 / 3100; coverage 1000 / (3100 − 1250).
    expect(reply.data.teamPerformance).toEqual({
      teamId: 'A',
      kpis: {
        wonCount: 1, wonValue: '1250.00', lostCount: 1, lostValue: '500.00', winRate: 0.5, averageDealSize: '1250.00',
        averageSalesCycleDays: 5, openPipelineValue: '1000.00', weightedPipelineValue: '500.00', quota: '3100.00',
        quotaAttainment: 125000 / 310000, pipelineCoverage: 100000 / (310000 - 125000),
      },
      // The nested rep comes from the entity queries when the app serves them, else it is null.
      reps: [{ repId: 'r1', rep: entities ? { id: 'r1' } : null, kpis: { wonValue: '1250.00' } }],
    });
    expect(waited).toContain('42');
  });

  it('answers every report query of the contract', async () => {
    const reply = await gql(
      `query($p: PeriodInput!) {
        repPerformance(repId: "r1", period: $p) { repId kpis { quota } }
        leaderboard(teamId: "A", period: $p, metric: WON_VALUE) { repId }
        pipeline(teamId: "A", asOf: "2026-01-20T00:00:00Z") { asOf dealCount openPipelineValue weightedPipelineValue stages { stage dealCount value weightedValue } }
        stageFunnel(teamId: "A", period: $p) { stage entered advanced conversion averageDaysInStage }
        channelPerformance(teamId: "A", period: $p) { channel wonCount wonValue lostCount winRate share }
        channelHistory(repId: "r1") { channel from to }
        keyAccounts(period: $p) { totalRevenue hhi accounts { rank accountId account { id } revenue share cumulativeShare tier } }
        competitorAnalysis(period: $p) { competitor wonAgainst lostTo valueLostTo winRateAgainst }
        repTraining(repId: "r1") { repId sessionsEnrolled sessionsAttended averageScore }
        trainingEffectiveness(skill: NEGOTIATION, days: 30) { skill sessions attendees closedBefore closedAfter winRateBefore winRateAfter wonValueBefore wonValueAfter }
      }`,
      { p: { from: '2026-01-01', to: '2026-01-31' } },
    );
    expect(reply.errors).toBeUndefined();
    const d = reply.data;
    expect(d.repPerformance).toEqual({ repId: 'r1', kpis: { quota: '3100.00' } });
    expect(d.leaderboard).toEqual([{ repId: 'r1' }]);
    expect(d.pipeline).toEqual({
      asOf: '2026-01-20T00:00:00.000Z', dealCount: 1, openPipelineValue: '1000.00', weightedPipelineValue: '500.00',
      stages: [
        { stage: 'PROSPECTING', dealCount: 0, value: '0.00', weightedValue: '0.00' },
        { stage: 'QUALIFICATION', dealCount: 0, value: '0.00', weightedValue: '0.00' },
        { stage: 'PROPOSAL', dealCount: 1, value: '1000.00', weightedValue: '500.00' },
        { stage: 'NEGOTIATION', dealCount: 0, value: '0.00', weightedValue: '0.00' },
      ],
    });
    // PROSPECTING entered by G1, G2, G3; only G1 (won) and G3 (→ PROPOSAL) moved on.
    expect(d.stageFunnel[0]).toMatchObject({ stage: 'PROSPECTING', entered: 3, advanced: 2, conversion: 2 / 3 });
    expect(d.channelPerformance[0]).toEqual({ channel: 'FIELD', wonCount: 1, wonValue: '1250.00', lostCount: 1, winRate: 0.5, share: 1 });
    expect(d.channelHistory).toEqual([{ channel: 'FIELD', from: '2025-12-01T00:00:00.000Z', to: null }]);
    expect(d.keyAccounts).toEqual({
      totalRevenue: '1250.00', hhi: 1,
      accounts: [{ rank: 1, accountId: 'acc-1', account: entities ? { id: 'acc-1' } : null, revenue: '1250.00', share: 1, cumulativeShare: 1, tier: 'A' }],
    });
    expect(d.competitorAnalysis).toEqual([{ competitor: 'Acme', wonAgainst: 1, lostTo: 1, valueLostTo: '500.00', winRateAgainst: 0.5 }]);
    expect(d.repTraining).toEqual({ repId: 'r1', sessionsEnrolled: 1, sessionsAttended: 1, averageScore: 90 });
    // S1 completed 01-09T12:00: G1 (01-10) and G2 (01-12) closed after it; none before.
    expect(d.trainingEffectiveness).toEqual([
      { skill: 'NEGOTIATION', sessions: 1, attendees: 1, closedBefore: 0, closedAfter: 2, winRateBefore: null, winRateAfter: 0.5, wonValueBefore: '0.00', wonValueAfter: '1250.00' },
    ]);
  });

  it("resolves the nested rep within the caller's scope", async () => {
    const query = `{ leaderboard(teamId: "A", period: { from: "2026-01-01", to: "2026-01-31" }, metric: WIN_RATE) { repId rep { id name } } }`;
    const asSupervisor = await gql(query, {}, { kind: 'teams', teamIds: ['A'], trainerId: 'kam-A' });
    expect(asSupervisor.errors).toBeUndefined();
    expect(asSupervisor.data.leaderboard).toEqual([{ repId: 'r1', rep: entities ? { id: 'r1', name: 'Rep r1' } : null }]);
  });

  it('maps input and scope problems to BAD_USER_INPUT and NOT_FOUND', async () => {
    const reversed = await gql(`{ teamPerformance(teamId: "A", period: { from: "2026-02-01", to: "2026-01-01" }) { teamId } }`);
    expect(reversed.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    // (An impossible date such as 2026-02-30 is refused by the Date scalar before any resolver;
    // how that error looks on the wire is the API's error mapping.)
    const asVariables = await gql(`query($p: PeriodInput!) { channelPerformance(teamId: "A", period: $p) { channel } }`, {
      p: { from: '2026-03-01', to: '2026-02-28' },
    });
    expect(asVariables.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const asRep = await gql(`{ pipeline(teamId: "A") { dealCount } }`, {}, { kind: 'rep', repId: 'r1' });
    expect(asRep.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    const other = await gql(`{ keyAccounts(period: { from: "2026-01-01", to: "2026-01-31" }, teamId: "A") { totalRevenue } }`, {}, {
      kind: 'teams', teamIds: ['B'], trainerId: 'kam-B',
    });
    expect(other.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('publishes the contract names, types and nullability', () => {
    const schema: GraphQLSchema = app.get(GraphQLSchemaHost).schema;
    const fieldType = (type: string, field: string) => {
      const t = schema.getType(type);
      if (!isObjectType(t)) throw new Error(`${type} is not an object type`);
      return String(t.getFields()[field]?.type);
    };
    expect(fieldType('Kpis', 'wonValue')).toBe('Money!');
    expect(fieldType('Kpis', 'winRate')).toBe('Float');
    expect(fieldType('Kpis', 'averageDealSize')).toBe('Money');
    expect(fieldType('TeamPerformance', 'reps')).toBe('[RepPerformance!]!');
    expect(fieldType('RepPerformance', 'rep')).toBe('Rep');
    expect(fieldType('KeyAccountRow', 'account')).toBe('Account');
    expect(fieldType('KeyAccountRow', 'tier')).toBe('KeyAccountTier!');
    expect(fieldType('ChannelSpan', 'to')).toBe('DateTime');
    expect(fieldType('FunnelStage', 'conversion')).toBe('Float');
    const query = schema.getQueryType()!.getFields();
    expect(String(query.teamPerformance!.type)).toBe('TeamPerformance!');
    expect(String(query.leaderboard!.type)).toBe('[RepPerformance!]!');
    expect(String(query.channelPerformance!.type)).toBe('[ChannelPerformance!]!');
    expect(String(query.trainingEffectiveness!.type)).toBe('[TrainingEffect!]!');
    const keyAccounts = query.keyAccounts!.args;
    expect(keyAccounts.map((a) => a.name).sort()).toEqual(['atLeastPosition', 'period', 'teamId', 'threshold']);
    expect(keyAccounts.find((a) => a.name === 'threshold')!.defaultValue).toBe(0.8);
    expect(query.trainingEffectiveness!.args.find((a) => a.name === 'days')!.defaultValue).toBe(90);
    expect(query.teamPerformance!.args.find((a) => a.name === 'period')!.type).toBeInstanceOf(GraphQLNonNull);
    for (const name of ['teamPerformance', 'repPerformance', 'leaderboard', 'pipeline', 'stageFunnel', 'channelPerformance', 'channelHistory', 'keyAccounts', 'competitorAnalysis', 'repTraining', 'trainingEffectiveness']) {
      expect({ name, args: query[name]!.args.map((a) => a.name) }).toEqual({ name, args: expect.arrayContaining(['atLeastPosition']) });
    }
  });
});
