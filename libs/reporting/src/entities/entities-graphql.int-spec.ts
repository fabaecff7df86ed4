import 'reflect-metadata';
import { Global, Module, ValidationPipe } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type { FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { KamError, StaleReadModelError } from '@kam/kernel';
import { EVENT_STORE } from '@kam/event-store';
import { DateScalar, DateTimeScalar, JSONScalar, MoneyScalar, type ReadScope } from '@kam/graphql';
import { READ_FRESHNESS, READ_MODEL_ACCESS, type ReadFreshness } from '../feed/read-freshness';
import { EntitiesModule } from './entities.module';
import { availableBackends, Story, type TestReadDb } from './testing/entities-test-kit';
import {
  ACC_1,
  DEAL_1,
  DEAL_2,
  DEAL_4,
  REP_1,
  REP_2,
  REP_3,
  SESSION_1,
  T,
  TEAM_A,
  TEAM_B,
  tellStory,
} from './testing/story.fixture';

jest.setTimeout(60_000);

/** What the app will provide globally; the freshness wait is a recording no-op here. */
function infrastructure(db: TestReadDb, story: Story, freshness: ReadFreshness) {
  @Global()
  @Module({
    providers: [
      { provide: READ_MODEL_ACCESS, useValue: db },
      { provide: READ_FRESHNESS, useValue: freshness },
      { provide: EVENT_STORE, useValue: story.store },
    ],
    exports: [READ_MODEL_ACCESS, READ_FRESHNESS, EVENT_STORE],
  })
  class TestInfrastructureModule {}
  return TestInfrastructureModule;
}

function graphql() {
  return GraphQLModule.forRoot<MercuriusDriverConfig>({
    driver: MercuriusDriver,
    autoSchemaFile: true,
    sortSchema: true,
    resolvers: { Money: MoneyScalar, Date: DateScalar, DateTime: DateTimeScalar, JSON: JSONScalar },
    path: '/graphql',
    // The scope comes from a test header here; the API resolves it from the token.
    context: (request: FastifyRequest) => ({
      scope: JSON.parse(String(request.headers['x-test-scope'] ?? '{"kind":"all"}')) as ReadScope,
    }),
    errorFormatter: (execution) => ({
      statusCode: 200,
      response: {
        data: execution.data ?? null,
        errors: (execution.errors ?? []).map((e) => {
          const original = (e as GraphQLError).originalError;
          return {
            message: e.message,
            path: e.path,
            // Like the API's error mapping: a domain error keeps its code; a scalar's refusal is wrapped by graphql-js.
            extensions: {
              code:
                original instanceof KamError
                  ? original.code
                  : original instanceof GraphQLError
                    ? original.extensions?.code
                    : e.extensions?.code,
            },
          };
        }),
      },
    }),
  });
}

describe.each(availableBackends())('entity GraphQL queries on $name', (backend) => {
  let story: Story;
  let db: TestReadDb;
  let app: NestFastifyApplication;
  const waited: Array<string | null | undefined> = [];
  let selects = 0;

  async function gql(query: string, variables: Record<string, unknown> = {}, scope?: ReadScope) {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      headers: {
        'content-type': 'application/json',
        ...(scope ? { 'x-test-scope': JSON.stringify(scope) } : {}),
      },
      payload: JSON.stringify({ query, variables }),
    });
    return response.json() as {
      data: any;
      errors?: Array<{ message: string; extensions: { code: string } }>;
    };
  }

  async function counted<R>(run: () => Promise<R>): Promise<{ result: R; selects: number }> {
    const before = selects;
    const result = await run();
    return { result, selects: selects - before };
  }

  beforeAll(async () => {
    story = await Story.open();
    await tellStory(story);
    db = await backend.open({
      log: (event) => {
        if (event.level === 'query' && /^\s*select/i.test(event.query.sql)) selects++;
      },
    });
    await db.setup();
    await db.apply(await story.events());

    // The API validates every input like this (whitelist drops undecorated fields, so every filter field is decorated).
    const validation = {
      provide: APP_PIPE,
      useFactory: () => new ValidationPipe({ transform: true, whitelist: true, forbidUnknownValues: false }),
    };
    @Module({
      providers: [validation],
      imports: [
        infrastructure(db, story, {
          waitFor: async (p) => {
            waited.push(p);
            if (p === 'stale') throw new StaleReadModelError('stale', '1');
          },
        }),
        graphql(),
        EntitiesModule,
      ],
    })
    class TestAppModule {}

    app = await NestFactory.create<NestFastifyApplication>(TestAppModule, new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
    await story?.close();
  });

  it('answers a deal with the contract’s field names and types (Money as decimal strings)', async () => {
    const reply = await gql(
      `query ($id: ID!) { deal(id: $id) { id revision title accountId account { id name ownerRepId taxId industry revision }
         repId rep { id name email teamId channel active hiredAt revision } teamId channel stage value wonValue
         expectedCloseDate openedAt closedAt lossReason competitors fulfilledValue } }`,
      { id: DEAL_1 },
    );
    expect(reply.errors).toBeUndefined();
    expect(reply.data.deal).toEqual({
      id: DEAL_1,
      revision: 5,
      title: 'Big rollout',
      accountId: ACC_1,
      account: {
        id: ACC_1,
        name: 'Acme Łódź',
        ownerRepId: REP_1,
        taxId: 'PL123',
        industry: 'Retail',
        revision: 0,
      },
      repId: REP_1,
      rep: {
        id: REP_1,
        name: 'Anna',
        email: 'anna@example.com',
        teamId: TEAM_B,
        channel: 'PARTNER',
        active: true,
        hiredAt: T.hired,
        revision: 3,
      },
      teamId: TEAM_B,
      channel: 'PARTNER',
      stage: 'QUALIFICATION',
      value: '12000.00',
      wonValue: null,
      expectedCloseDate: '2026-09-30',
      openedAt: T.opened,
      closedAt: null,
      lossReason: null,
      competitors: ['Rival'],
      fulfilledValue: '0.00',
    });
  });

  it('answers a won deal and a deal as of an instant', async () => {
    const won = await gql(`{ deal(id: "${DEAL_2}") { stage wonValue fulfilledValue closedAt teamId } }`);
    expect(won.data.deal).toEqual({
      stage: 'WON',
      wonValue: '450.00',
      fulfilledValue: '450.00',
      closedAt: T.won,
      teamId: TEAM_A,
    });
    const then = await gql(
      `query ($asOf: DateTime) { deal(id: "${DEAL_1}", asOf: $asOf) { value stage teamId revision } }`,
      {
        asOf: '2026-02-20T10:00:00+01:00',
      },
    );
    expect(then.data.deal).toEqual({ value: '10000.00', stage: 'PROSPECTING', teamId: TEAM_A, revision: 0 });
    const before = await gql(`{ deal(id: "${DEAL_1}", asOf: "2026-01-01T00:00:00Z") { id } }`);
    expect(before.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('answers rep(id, asOf), team, teams with nested reps, account and trainingSessions', async () => {
    const rep = await gql(`{ rep(id: "${REP_1}", asOf: "${T.channelChanged}") { teamId channel revision } }`);
    expect(rep.data.rep).toEqual({ teamId: TEAM_A, channel: 'PARTNER', revision: 2 });
    const team = await gql(`{ team(id: "${TEAM_A}") { id name supervisorId revision reps { id active } } }`);
    expect(team.data.team).toEqual({
      id: TEAM_A,
      name: 'Alpha',
      supervisorId: 'sup-a',
      revision: 0,
      reps: [{ id: REP_2, active: false }],
    });
    const sessions = await gql(
      `{ trainingSessions(filter: { status: COMPLETED }) { edges { cursor node { id title skill trainerId scheduledAt durationMinutes status enrolledRepIds revision } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(sessions.data.trainingSessions.edges.map((e: any) => e.node)).toEqual([
      {
        id: SESSION_1,
        title: 'Closing',
        skill: 'NEGOTIATION',
        trainerId: 'sup-a',
        scheduledAt: '2026-06-01T10:00:00.000Z',
        durationMinutes: 90,
        status: 'COMPLETED',
        enrolledRepIds: [REP_1, REP_2],
        revision: 4,
      },
    ]);
    const accounts = await gql(`{ accounts(filter: { nameContains: "acme" }) { edges { node { id } } } }`);
    expect(accounts.data.accounts.edges).toEqual([{ node: { id: ACC_1 } }]);
  });

  it('resolves nested reps and accounts with one query per level, not per parent (DataLoader)', async () => {
    const teams = await counted(() => gql(`{ teams { id reps { id name } } }`));
    expect(teams.result.data.teams.map((t: any) => t.reps.length)).toEqual([1, 2]);
    expect(teams.selects).toBe(2);
    const deals = await counted(() =>
      gql(`{ deals(first: 10) { edges { node { id rep { name } account { name } } } } }`),
    );
    expect(deals.result.data.deals.edges).toHaveLength(4);
    expect(deals.selects).toBe(3);
  });

  it('pages deals through a connection with filters, and refuses first > 500 with BAD_USER_INPUT', async () => {
    const first = await gql(
      `{ deals(first: 3, filter: { open: true }) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(first.data.deals.edges).toHaveLength(2);
    expect(first.data.deals.pageInfo.hasNextPage).toBe(false);
    const page1 = await gql(
      `{ deals(first: 3) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
    );
    const page2 = await gql(
      `query ($after: String) { deals(first: 3, after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`,
      {
        after: page1.data.deals.pageInfo.endCursor,
      },
    );
    expect([...page1.data.deals.edges, ...page2.data.deals.edges]).toHaveLength(4);
    expect(page2.data.deals.pageInfo.hasNextPage).toBe(false);
    const closed = await gql(
      `{ deals(filter: { closedIn: { from: "2026-04-01", to: "2026-04-30" } }) { edges { node { id } } } }`,
    );
    expect(closed.data.deals.edges).toEqual([{ node: { id: DEAL_2 } }]);
    const tooMany = await gql(`{ deals(first: 501) { edges { cursor } } }`);
    expect(tooMany.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
  });

  it('keeps every filter field through input validation (each one narrows the answer)', async () => {
    const ids = (connection: any) => connection.edges.map((e: any) => e.node.id);
    const deals = async (filter: string) =>
      ids((await gql(`{ deals(filter: { ${filter} }) { edges { node { id } } } }`)).data.deals);
    expect(await deals(`teamId: "${TEAM_A}"`)).toEqual([DEAL_2]);
    expect(await deals(`repId: "${REP_3}"`)).toHaveLength(2);
    expect(await deals(`accountId: "${ACC_1}"`)).toHaveLength(2);
    expect(await deals('stage: WON')).toEqual([DEAL_2]);
    expect(await deals('channel: PARTNER')).toEqual([DEAL_1]);
    expect(await deals('open: false')).toHaveLength(2);
    expect(await deals('updatedSince: "2999-01-01T00:00:00Z"')).toEqual([]);
    expect(await deals('closedIn: { from: "2026-05-10", to: "2026-05-10" }')).toHaveLength(1);
    const bad = await gql(
      `{ deals(filter: { closedIn: { from: "2026-05-01", to: "2026-04-01" } }) { edges { cursor } } }`,
    );
    expect(bad.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    const reps = async (filter: string) =>
      ids((await gql(`{ reps(filter: { ${filter} }) { edges { node { id } } } }`)).data.reps);
    expect(await reps(`teamId: "${TEAM_A}"`)).toEqual([REP_2]);
    expect(await reps('channel: ONLINE')).toEqual([REP_3]);
    expect(await reps('active: false')).toEqual([REP_2]);
    const accounts = async (filter: string) =>
      ids((await gql(`{ accounts(filter: { ${filter} }) { edges { node { id } } } }`)).data.accounts);
    expect(await accounts(`ownerRepId: "${REP_1}"`)).toEqual([ACC_1]);
    expect(await accounts(`teamId: "${TEAM_A}"`)).toHaveLength(1);
    const sessions = async (filter: string) =>
      ids(
        (await gql(`{ trainingSessions(filter: { ${filter} }) { edges { node { id } } } }`)).data
          .trainingSessions,
      );
    expect(await sessions('skill: NEGOTIATION')).toEqual([SESSION_1]);
    expect(await sessions('trainerId: "sup-b"')).toHaveLength(1);
    expect(await sessions(`repId: "${REP_2}"`)).toEqual([SESSION_1]);
  });

  it('answers NOT_FOUND for unknown ids and out-of-scope entities; nested out-of-scope entities are null', async () => {
    expect((await gql(`{ account(id: "nope") { id } }`)).errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    const asRep3: ReadScope = { kind: 'rep', repId: REP_3 };
    expect((await gql(`{ deal(id: "${DEAL_1}") { id } }`, {}, asRep3)).errors?.[0]?.extensions.code).toBe(
      'NOT_FOUND',
    );
    expect((await gql(`{ team(id: "${TEAM_B}") { id } }`, {}, asRep3)).errors?.[0]?.extensions.code).toBe(
      'NOT_FOUND',
    );
    // Deal 4 moved to rep 3; its account still belongs to rep 2.
    const own = await gql(`{ deal(id: "${DEAL_4}") { repId rep { id } account { id } } }`, {}, asRep3);
    expect(own.data.deal).toEqual({ repId: REP_3, rep: { id: REP_3 }, account: null });
    const supA: ReadScope = { kind: 'teams', teamIds: [TEAM_A], trainerId: 'sup-a' };
    const teams = await gql(`{ teams { id reps { id } } reps { edges { node { id } } } }`, {}, supA);
    expect(teams.data).toEqual({
      teams: [{ id: TEAM_A, reps: [{ id: REP_2 }] }],
      reps: { edges: [{ node: { id: REP_2 } }] },
    });
  });

  it('serves the events feed and a deal’s history', async () => {
    const log = await story.events();
    const page = await gql(
      `{ events(first: 2) { edges { cursor node { position streamId revision type occurredAt recordedAt actor data metadata } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(page.data.events.edges[0]).toEqual({
      cursor: log[0]!.position,
      node: {
        position: log[0]!.position,
        streamId: `team-${TEAM_A}`,
        revision: 0,
        type: 'TeamFormed',
        occurredAt: T.teamsFormed,
        recordedAt: log[0]!.recordedAt.toISOString(),
        actor: 'admin',
        data: log[0]!.data,
        metadata: JSON.parse(JSON.stringify(log[0]!.metadata)),
      },
    });
    expect(page.data.events.pageInfo).toEqual({ hasNextPage: true, endCursor: log[1]!.position });
    const won = await gql(
      `{ events(types: ["DealWon"]) { edges { node { type streamId } } pageInfo { hasNextPage } } }`,
    );
    expect(won.data.events).toEqual({
      edges: [{ node: { type: 'DealWon', streamId: `deal-${DEAL_2}` } }],
      pageInfo: { hasNextPage: false },
    });
    const history = await gql(
      `{ dealHistory(dealId: "${DEAL_2}") { position revision type occurredAt actor data } }`,
    );
    expect(history.data.dealHistory.map((h: any) => [h.revision, h.type, h.occurredAt])).toEqual([
      [0, 'DealOpened', T.opened],
      [1, 'DealWon', T.won],
      [2, 'FulfilmentRecorded', T.fulfilled],
      [3, 'FulfilmentRecorded', T.fulfilled],
    ]);
    expect(history.data.dealHistory[1].data).toEqual({
      dealId: DEAL_2,
      fromStage: 'PROSPECTING',
      wonValueMinor: 45_000,
      contractNumber: 'C-1',
    });
  });

  it('hands every query’s atLeastPosition to the freshness wait before answering', async () => {
    waited.length = 0;
    const queries = [
      `team(id: "${TEAM_A}", atLeastPosition: "1") { id }`,
      `teams(atLeastPosition: "2") { id }`,
      `rep(id: "${REP_1}", atLeastPosition: "3") { id }`,
      `reps(atLeastPosition: "4") { pageInfo { hasNextPage } }`,
      `account(id: "${ACC_1}", atLeastPosition: "5") { id }`,
      `accounts(atLeastPosition: "6") { pageInfo { hasNextPage } }`,
      `deal(id: "${DEAL_1}", atLeastPosition: "7") { id }`,
      `deals(atLeastPosition: "8") { pageInfo { hasNextPage } }`,
      `trainingSessions(atLeastPosition: "9") { pageInfo { hasNextPage } }`,
      `dealHistory(dealId: "${DEAL_1}", atLeastPosition: "10") { type }`,
      `events(atLeastPosition: "11") { pageInfo { hasNextPage } }`,
    ];
    const reply = await gql(`{ ${queries.map((q, i) => `q${i}: ${q}`).join(' ')} }`);
    expect(reply.errors).toBeUndefined();
    expect([...waited].sort((a, b) => Number(a) - Number(b))).toEqual(queries.map((_, i) => String(i + 1)));
    await gql(`{ teams { id } }`);
    expect(waited).toHaveLength(queries.length + 1);
    expect(waited[waited.length - 1] ?? null).toBeNull();
  });

  it('reads nothing and fails with the wait’s error when the read models are behind', async () => {
    const { result, selects: reads } = await counted(() =>
      gql(`{ deals(atLeastPosition: "stale") { pageInfo { hasNextPage } } }`),
    );
    expect(result.errors?.[0]?.extensions.code).toBe('STALE_READ_MODEL');
    expect(reads).toBe(0);
  });
});

describe('entity GraphQL schema', () => {
  it('declares the contract’s query signatures', async () => {
    const { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } = await import('@nestjs/graphql');
    const app = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
    await app.init();
    const { lexicographicSortSchema, printSchema } = await import('graphql');
    const { TeamsResolver } = await import('./teams/teams.resolver');
    const { RepsResolver } = await import('./reps/reps.resolver');
    const { AccountsResolver } = await import('./accounts/accounts.resolver');
    const { DealsResolver } = await import('./deals/deals.resolver');
    const { TrainingSessionsResolver } = await import('./training/training.resolver');
    const { FeedResolver } = await import('../feed/feed.resolver');
    const schema = lexicographicSortSchema(
      await app
        .get(GraphQLSchemaFactory)
        .create([
          TeamsResolver,
          RepsResolver,
          AccountsResolver,
          DealsResolver,
          TrainingSessionsResolver,
          FeedResolver,
        ]),
    );
    await app.close();
    const queries = Object.values(schema.getQueryType()!.getFields()).map(
      (f) => `${f.name}(${f.args.map((a) => `${a.name}: ${String(a.type)}`).join(', ')}): ${String(f.type)}`,
    );
    expect(queries).toEqual([
      'account(atLeastPosition: String, id: ID!): Account!',
      'accounts(after: String, atLeastPosition: String, filter: AccountFilter, first: Int): AccountConnection!',
      'deal(asOf: DateTime, atLeastPosition: String, id: ID!): Deal!',
      'dealHistory(atLeastPosition: String, dealId: ID!): [HistoryEntry!]!',
      'deals(after: String, atLeastPosition: String, filter: DealFilter, first: Int): DealConnection!',
      'events(after: String, atLeastPosition: String, first: Int, types: [String!]): EventRecordConnection!',
      'rep(asOf: DateTime, atLeastPosition: String, id: ID!): Rep!',
      'reps(after: String, atLeastPosition: String, filter: RepFilter, first: Int): RepConnection!',
      'team(atLeastPosition: String, id: ID!): Team!',
      'teams(atLeastPosition: String): [Team!]!',
      'trainingSessions(after: String, atLeastPosition: String, filter: TrainingSessionFilter, first: Int): TrainingSessionConnection!',
    ]);
    const printed = printSchema(schema)
      .replace(/"""[^]*?"""/g, '')
      .replace(/\s+/g, ' ');
    for (const signature of [
      'type Team { id: ID! name: String! reps: [Rep!]! revision: Int! supervisorId: ID! }',
      'type Rep { active: Boolean! channel: SalesChannel! email: String! hiredAt: DateTime! id: ID! name: String! revision: Int! teamId: ID! }',
      'type Account { id: ID! industry: String name: String! ownerRepId: ID! revision: Int! taxId: String }',
      'type TrainingSession { durationMinutes: Int! enrolledRepIds: [ID!]! id: ID! revision: Int! scheduledAt: DateTime! skill: Skill! status: TrainingStatus! title: String! trainerId: ID! }',
      'enum TrainingStatus { CANCELLED COMPLETED SCHEDULED }',
      'type HistoryEntry { actor: String data: JSON! occurredAt: DateTime! position: String! revision: Int! type: String! }',
      'type EventRecord { actor: String data: JSON! metadata: JSON! occurredAt: DateTime! position: String! recordedAt: DateTime! revision: Int! streamId: String! type: String! }',
      'type EventRecordConnection { edges: [EventRecordEdge!]! pageInfo: PageInfo! }',
      'input PeriodInput { from: Date! to: Date! }',
      'input DealFilter { accountId: ID channel: SalesChannel closedIn: PeriodInput open: Boolean repId: ID stage: DealStage teamId: ID updatedSince: DateTime }',
    ]) {
      expect(printed).toContain(signature);
    }
    expect(printed).toContain(
      'type Deal { account: Account accountId: ID! channel: SalesChannel! closedAt: DateTime competitors: [String!]! expectedCloseDate: Date! fulfilledValue: Money! id: ID! lossReason: LossReason openedAt: DateTime! rep: Rep repId: ID! revision: Int! stage: DealStage! teamId: ID! title: String! value: Money! wonValue: Money }',
    );
  });
});
