import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app';
import { httpRequest } from './support/http';
import { BASE_SEED } from './support/rng';
import { mutationDocument, type MutationResult } from './support/workload';

/**
 * Bad input: seeded property-based fuzzing (fast-check, bounded runs) of every mutation's input —
 * one field at a time replaced by a value of a wrong type, a huge or exotic string, null, deep
 * nesting, a float for Money, an impossible date — then whole inputs of random JSON, then raw HTTP
 * (malformed JSON, wrong content types, huge and deeply nested bodies). Every answer must be a
 * client error with a code (never a 5xx, never INTERNAL_SERVER_ERROR), BAD_USER_INPUT must name the
 * offending field, a refusal must leave the log untouched, and /health keeps answering.
 */
const SEED = BASE_SEED + 4;
const RUNS_PER_MUTATION = Number(process.env.KAM_RELIABILITY_FUZZ_RUNS ?? 30);
const CHAOS_RUNS = RUNS_PER_MUTATION * 8;
const RAW_RUNS = RUNS_PER_MUTATION * 8;

/** Codes a refused mutation may carry; INTERNAL_SERVER_ERROR is never one of them. */
const CLIENT_CODES = new Set(['BAD_USER_INPUT', 'DOMAIN_RULE_VIOLATED', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE']);
const RAW_CODES = new Set([...CLIENT_CODES, 'BAD_REQUEST', 'UNSUPPORTED_MEDIA_TYPE', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_COMPLEX']);

interface TypeRef {
  kind: string;
  name: string | null;
  ofType: TypeRef | null;
}
interface InputField {
  name: string;
  type: TypeRef;
}

function named(type: TypeRef): { name: string; list: boolean; required: boolean } {
  let t: TypeRef | null = type;
  let list = false;
  const required = type.kind === 'NON_NULL';
  while (t && !t.name) {
    if (t.kind === 'LIST') list = true;
    t = t.ofType;
  }
  return { name: t?.name ?? '?', list, required };
}

function nest(depth: number, kind: 'array' | 'object'): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = kind === 'array' ? [value] : { a: value };
  return value;
}

const uuid = fc.uuid({ version: 4 });
const exoticStrings = fc.oneof(
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\udfff\ud800', '\u202eevil', 'Z̸̡̢͎a̷l̶g̵o', '😀'.repeat(50), "'; DROP TABLE events; --", '../../etc/passwd', '%00', '\r\n\r\n', '{"a":1}'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 201, max: 250_000 }).map((n) => 'x'.repeat(n)),
);
const wrongTypes = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.integer(), { maxKeys: 3 }),
  fc.integer({ min: 10, max: 3000 }).chain((depth) => fc.constantFrom('array' as const, 'object' as const).map((kind) => nest(depth, kind))),
);
const moneyJunk = fc.oneof(
  fc.double(),
  fc.integer().map((n) => n),
  fc.constantFrom('1.234', '-1.00', '1e3', '12,50', ' 12.00', '0.001', '1000000000000.00', '999999999999.999', '+1.00', '0x10', 'Infinity', 'NaN', '١٢٣', '1_000.00', '.5', '5.', '00012.00'),
  fc.double().map(String),
);
const dateJunk = fc.oneof(
  fc.constantFrom('2026-02-30', '2026-13-01', '0000-00-00', '2026-1-1', '2025-02-29', '99999-01-01', '2026-11-27T00:00:00Z', '', '2026-04-31', '-2026-01-01'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
);
const dateTimeJunk = fc.oneof(
  fc.constantFrom('2026-02-30T00:00:00Z', '2026-11-27T25:00:00Z', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '2026-11-27', '2026-11-27T10:00:00', '9999-12-31T23:59:59Z', '0001-01-01T00:00:00Z', 'now'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.integer().map((n) => new Date(n).toISOString()),
);
const intJunk = fc.oneof(fc.double(), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, -2, 1e308), fc.integer().map(String));
const enumJunk = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('field', 'WON', 'LOST', 'FIELD ', 'null', 'PROSPECTING\u0000'));

function badValueFor(field: InputField): fc.Arbitrary<unknown> {
  const t = named(field.type);
  const specific: fc.Arbitrary<unknown>[] = [];
  if (t.list) {
    specific.push(
      fc.string({ maxLength: 20 }),
      fc.array(fc.oneof(uuid, exoticStrings, wrongTypes), { maxLength: 5 }),
      fc.integer({ min: 100, max: 20_000 }).chain((n) => uuid.map((id) => Array.from({ length: n }, () => id))),
      uuid.map((id) => [[id]]),
      fc.constant([]),
    );
  } else if (t.name === 'Money') specific.push(moneyJunk);
  else if (t.name === 'Date') specific.push(dateJunk);
  else if (t.name === 'DateTime') specific.push(dateTimeJunk);
  else if (t.name === 'Int') specific.push(intJunk);
  else if (t.name === 'Boolean') specific.push(fc.constantFrom('true', 1, 0, 'yes'));
  else if (t.name === 'ID' || t.name === 'String') specific.push(exoticStrings, uuid);
  else specific.push(enumJunk);
  return fc.oneof(...specific, wrongTypes);
}

describe(`bad input: fuzzing every mutation and raw HTTP bodies (seed ${SEED})`, () => {
  let app: TestApp;
  let token: string;
  let inputs: Map<string, InputField[]>;
  let base: Record<string, Record<string, unknown>>;
  const stats = { requests: 0, accepted: 0, codes: {} as Record<string, number>, statuses: {} as Record<string, number>, healthChecks: 0 };

  async function ok(mutation: string, input: Record<string, unknown>): Promise<MutationResult> {
    const reply = await app.gql(mutationDocument(mutation), { input });
    if (reply.errors?.length) throw new Error(`${mutation}: ${JSON.stringify(reply.errors)}`);
    return reply.data[mutation] as MutationResult;
  }

  async function head(): Promise<string | undefined> {
    return app.store.headPosition();
  }

  async function healthy(): Promise<void> {
    stats.healthChecks += 1;
    const response = await httpRequest({ url: `${app.url}/health`, method: 'GET', timeoutMs: 10_000 });
    expect(response.status).toBe(200);
  }

  /** POSTs a GraphQL body as-is and returns status and parsed JSON (or the text). */
  async function post(body: string | Buffer, contentType?: string, extra: Record<string, string> = {}): Promise<{ status: number; json: any; text: string }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, ...extra };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const response = await httpRequest({ url: `${app.url}/graphql`, headers, body, timeoutMs: 30_000 });
    let json: any;
    try {
      json = JSON.parse(response.text);
    } catch {
      json = undefined;
    }
    stats.requests += 1;
    stats.statuses[response.status] = (stats.statuses[response.status] ?? 0) + 1;
    return { status: response.status, json, text: response.text };
  }

  function countCode(code: string): void {
    stats.codes[code] = (stats.codes[code] ?? 0) + 1;
  }

  beforeAll(async () => {
    app = await startTestApp({ env: { KAM_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'silent' } });
    token = await app.tokenFor('ADMIN', 'fuzzer');
    const schema = await app.gql(`{ __schema { mutationType { fields { name } } types { name kind inputFields { name type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }`);
    const types = new Map<string, InputField[]>((schema.data.__schema.types as Array<{ name: string; inputFields: InputField[] | null }>).map((t) => [t.name, t.inputFields ?? []]));
    inputs = new Map();
    for (const { name } of schema.data.__schema.mutationType.fields as Array<{ name: string }>) {
      inputs.set(name, types.get(`${name[0]!.toUpperCase()}${name.slice(1)}Input`) ?? []);
    }

    const teamId = (await ok('formTeam', { name: 'Fuzz team', supervisorId: 'kam-fuzz' })).id;
    const otherTeamId = (await ok('formTeam', { name: 'Fuzz team 2', supervisorId: 'kam-fuzz' })).id;
    const repId = (await ok('hireRep', { name: 'Fuzz rep', email: 'fuzz@example.com', teamId, channel: 'FIELD' })).id;
    const rep2 = (await ok('hireRep', { name: 'Fuzz rep 2', email: 'fuzz2@example.com', teamId, channel: 'ONLINE' })).id;
    const accountId = (await ok('registerAccount', { name: 'Fuzz account', ownerRepId: repId })).id;
    const dealId = (await ok('openDeal', { accountId, repId, title: 'Fuzz deal', value: '1000.00', expectedCloseDate: '2027-01-31' })).id;
    const wonId = (await ok('openDeal', { accountId, repId, title: 'Fuzz won', value: '1000000.00', expectedCloseDate: '2027-01-31' })).id;
    await ok('winDeal', { dealId: wonId });
    const sessionId = (await ok('scheduleTraining', { title: 'Fuzz training', skill: 'NEGOTIATION', trainerId: 'kam-fuzz', scheduledAt: new Date(Date.now() - 86_400_000).toISOString(), durationMinutes: 60 })).id;
    await ok('enrollInTraining', { sessionId, repIds: [repId] });
    // Valid inputs; the fuzzer breaks one field at a time.
    base = {
      formTeam: { name: 'Team', supervisorId: 'kam-1' },
      renameTeam: { teamId, name: 'Renamed' },
      changeTeamSupervisor: { teamId, supervisorId: 'kam-2' },
      hireRep: { name: 'Rep', email: 'rep@example.com', teamId, channel: 'INSIDE' },
      transferRep: { repId: rep2, teamId: otherTeamId },
      changeRepChannel: { repId, channel: 'TENDER', reason: 'why not' },
      setRepQuota: { repId, month: '2026-11', amount: '5000.00' },
      offboardRep: { repId: rep2, reassignOpenDealsTo: repId },
      registerAccount: { name: 'Account', ownerRepId: repId, taxId: 'PL1', industry: 'Retail' },
      reassignAccount: { accountId, ownerRepId: rep2 },
      openDeal: { accountId, repId, title: 'Deal', value: '12.50', expectedCloseDate: '2027-02-28', channel: 'ONLINE' },
      advanceDeal: { dealId, stage: 'PROPOSAL' },
      reviseDealValue: { dealId, value: '999.99', reason: 'scope' },
      rescheduleDeal: { dealId, expectedCloseDate: '2027-03-31' },
      reassignDeal: { dealId, repId: rep2 },
      changeDealChannel: { dealId, channel: 'PARTNER' },
      recordCompetitor: { dealId, competitor: 'Globex' },
      winDeal: { dealId, wonValue: '1000.00', contractNumber: 'K-1' },
      loseDeal: { dealId, reason: 'PRICE', competitor: 'Initech' },
      recordFulfilment: { dealId: wonId, amount: '0.01', note: 'n' },
      scheduleTraining: { title: 'T', skill: 'COMMUNICATION', trainerId: 'kam-1', scheduledAt: '2026-12-01T10:00:00Z', durationMinutes: 30 },
      enrollInTraining: { sessionId, repIds: [repId, rep2] },
      recordAttendance: { sessionId, repId, attended: true, score: 80 },
      completeTraining: { sessionId },
      cancelTraining: { sessionId, reason: 'ill' },
    };
  }, 60_000);

  afterAll(async () => {
    console.log(`bad input: ${JSON.stringify(stats)}`);
    await app?.close();
  });

  it('knows a valid base input for every mutation of the schema', () => {
    expect([...inputs.keys()].sort()).toEqual(Object.keys(base).sort());
    expect(inputs.size).toBe(25);
  });

  it(`every mutation, one field broken at a time (${RUNS_PER_MUTATION} seeded runs each): a coded client error naming the field, nothing written`, async () => {
    let index = 0;
    for (const [mutation, fields] of inputs) {
      index += 1;
      const fieldArb = fc.oneof(
        fc.constantFrom(...fields).chain((field) => badValueFor(field).map((value) => ({ field: field.name, value }))),
        wrongTypes.map((value) => ({ field: 'notAField', value })),
      );
      await fc.assert(
        fc.asyncProperty(fieldArb, async ({ field, value }) => {
          const input = { ...base[mutation], commandId: randomUUID(), [field]: value };
          const before = await head();
          const reply = await post(JSON.stringify({ query: mutationDocument(mutation), variables: { input } }), 'application/json');
          expect(reply.status).toBeLessThan(500);
          expect(reply.json).toBeDefined();
          const error = reply.json.errors?.[0];
          if (!error) {
            // Accepted: a value that is valid after all (a fine optional, a real date...).
            stats.accepted += 1;
            expect(reply.json.data[mutation]).toMatchObject({ id: expect.any(String), revision: expect.any(Number), position: expect.any(String) });
            return;
          }
          const code = error.extensions?.code;
          countCode(code);
          expect(CLIENT_CODES.has(code) ? code : `${code}: ${error.message}`).toBe(code);
          if (code === 'BAD_USER_INPUT') {
            const named = (error.extensions.fields ?? []) as Array<{ field: string; message: string }>;
            const names = named.some((f) => f.field === `input.${field}` || f.field.startsWith(`input.${field}[`) || f.field.startsWith(`input.${field}.`) || (f.field === 'input' && f.message.includes(field)));
            expect(names ? field : `${field} not named in ${JSON.stringify(named).slice(0, 500)}`).toBe(field);
          }
          expect(reply.json.data?.[mutation] ?? null).toBeNull();
          expect(await head()).toBe(before);
        }),
        { seed: SEED + index, numRuns: RUNS_PER_MUTATION, endOnFailure: true },
      );
    }
    await healthy();
  }, 240_000);

  it(`whole inputs of random JSON (${CHAOS_RUNS} seeded runs): never a 5xx or INTERNAL_SERVER_ERROR, nothing written`, async () => {
    const mutations = [...inputs.keys()];
    const fieldNames = [...new Set([...inputs.values()].flat().map((f) => f.name))];
    const chaos = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom(...fieldNames), fc.oneof(fc.jsonValue(), exoticStrings, wrongTypes), { maxKeys: 8 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...mutations), chaos, async (mutation, input) => {
        const before = await head();
        const reply = await post(JSON.stringify({ query: mutationDocument(mutation), variables: { input } }), 'application/json');
        expect(reply.status).toBeLessThan(500);
        const error = reply.json?.errors?.[0];
        if (!error) {
          stats.accepted += 1;
          return;
        }
        const code = error.extensions?.code;
        countCode(code);
        expect(CLIENT_CODES.has(code) ? code : `${code}: ${error.message}`).toBe(code);
        if (code === 'BAD_USER_INPUT') {
          const fields = (error.extensions.fields ?? []) as Array<{ field: string }>;
          expect(fields.length).toBeGreaterThan(0);
          for (const f of fields) expect(f.field).toMatch(/^input/);
        }
        expect(await head()).toBe(before);
      }),
      { seed: SEED, numRuns: CHAOS_RUNS, endOnFailure: true },
    );
    await healthy();
  }, 240_000);

  it(`raw HTTP bodies (${RAW_RUNS} seeded runs): malformed JSON, wrong content types, huge and deep bodies get a coded 4xx`, async () => {
    const valid = JSON.stringify({ query: mutationDocument('advanceDeal'), variables: { input: { dealId: randomUUID(), stage: 'PROPOSAL' } } });
    const bodies = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      // A query that is JSON rather than GraphQL (Mercurius would read it as an AST).
      fc.jsonValue().map((v) => JSON.stringify({ query: JSON.stringify(v) })),
      fc.constantFrom('{"kind":"Document","definitions":[{}]}', '{"kind":"Document","definitions":[1]}', '{"kind":"Document"}').map((q) => JSON.stringify({ query: q })),
      fc.integer({ min: 1, max: valid.length - 1 }).map((n) => valid.slice(0, n)),
      fc.constantFrom(
        '{"query": 42}',
        '{"query": null}',
        '{"query": "mutation { formTeam }"}',
        '{"query": "{ me { sub } }", "variables": "not an object"}',
        '{"query": "{ me { sub } }", "variables": [1,2]}',
        '{"query": "{ me { sub } }", "operationName": 7}',
        '[{"query": "{ me { sub } }"}, {"query": "{ me { sub } }"}]',
        '\ufeff{"query": "{ me { sub } }"}',
        '{"query": "{ me { sub } }"',
        '{"__proto__": {"query": "{ me { sub } }"}}',
        '{"constructor": {"prototype": {"polluted": true}}, "query": "{ me { sub } }"}',
        'null',
        '',
      ),
      // Built as text: JSON.stringify itself recurses and cannot write what an attacker can.
      fc.integer({ min: 100, max: 200_000 }).chain((depth) =>
        fc.constantFrom(['[', ']'], ['{"a":', '}']).map(([open, close]) => `{"query":"{ me { sub } }","variables":{"x":${open!.repeat(depth)}1${close!.repeat(depth)}}}`),
      ),
      fc.integer({ min: 100, max: 50_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
      fc.integer({ min: 50, max: 400 }).map((depth) => JSON.stringify({ query: `{ ${'me { '.repeat(depth)}sub${' }'.repeat(depth)} }` })),
      fc.integer({ min: 1, max: 5000 }).map((n) => JSON.stringify({ query: `{ ${Array.from({ length: n }, (_, i) => `a${i}: me { sub }`).join(' ')} }` })),
      fc.integer({ min: 1_048_577, max: 3_000_000 }).map((n) => JSON.stringify({ query: '{ me { sub } }', variables: { pad: 'x'.repeat(n) } })),
    );
    const contentTypes = fc.constantFrom<string | undefined>(
      'application/json',
      'application/json; charset=utf-8',
      'application/graphql',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      'application/xml',
      '',
      '../../',
      undefined,
    );
    const before = await head();
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, fc.boolean(), async (body, contentType, binary) => {
        const payload = binary ? Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(body)]) : body;
        const reply = await post(payload, contentType);
        expect(reply.status >= 500 ? `${reply.status}: ${reply.text.slice(0, 300)}` : reply.status).toBe(reply.status);
        const errors = reply.json?.errors as Array<{ message: string; extensions?: { code?: string } }> | undefined;
        if (reply.status >= 400) {
          // A refusal is a GraphQL error document with a code, whatever the body was.
          expect(errors?.length ?? `no errors in: ${reply.text.slice(0, 300)}`).toBeGreaterThan(0);
        }
        for (const error of errors ?? []) {
          const code = error.extensions?.code;
          if (code) countCode(code);
          expect(code && RAW_CODES.has(code) ? code : `${code}: ${error.message.slice(0, 300)}`).toBe(code);
        }
      }),
      { seed: SEED + 100, numRuns: RAW_RUNS, endOnFailure: true },
    );
    expect(await head()).toBe(before);
    await healthy();
  }, 240_000);

  it('a mutation over GET, and a missing or broken token, are refused with a code and write nothing', async () => {
    const before = await head();
    const input = encodeURIComponent(JSON.stringify({ input: { ...base.advanceDeal, commandId: randomUUID() } }));
    const get = await httpRequest({
      url: `${app.url}/graphql?query=${encodeURIComponent(mutationDocument('advanceDeal'))}&variables=${input}`,
      method: 'GET',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(get.status).toBeLessThan(500);
    expect(JSON.parse(get.text).errors[0]).toMatchObject({ message: 'Operation cannot be performed via a GET request', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(await head()).toBe(before);
    for (const auth of [undefined, '', 'Bearer', 'Bearer x.y.z', `Bearer ${token}x`, 'Basic YTpi', `Bearer ${'a'.repeat(8_000)}`]) {
      const response = await httpRequest({
        url: `${app.url}/graphql`,
        headers: { 'content-type': 'application/json', ...(auth !== undefined ? { authorization: auth } : {}) },
        body: JSON.stringify({ query: '{ me { sub } }' }),
      });
      expect(response.status).toBeLessThan(500);
      expect(JSON.parse(response.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    // Past Node's 16 KiB header limit the request never reaches GraphQL: Node/Fastify answer 431
    // with their own body (no GraphQL error code) — a clean refusal, recorded in docs/reliability.md.
    const huge = await httpRequest({
      url: `${app.url}/graphql`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${'a'.repeat(20_000)}` },
      body: JSON.stringify({ query: '{ me { sub } }' }),
    });
    expect(huge.status).toBe(431);
    await healthy();
  });

  it('a query text an authenticated caller already ran (cached by Mercurius) still needs a token', async () => {
    const queries = ['{ me { sub role } }', '{ __schema { queryType { name } } }', '{ teams { id name } }'];
    for (const query of queries) {
      const authed = await post(JSON.stringify({ query }), 'application/json');
      expect(authed.json.errors).toBeUndefined();
      for (const authorization of [undefined, 'Bearer x.y.z']) {
        const response = await httpRequest({
          url: `${app.url}/graphql`,
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify({ query }),
        });
        const body = JSON.parse(response.text);
        expect(body.data?.__schema ?? body.data?.me ?? body.data?.teams ?? null).toBeNull();
        expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      }
    }
    await healthy();
  });
});
