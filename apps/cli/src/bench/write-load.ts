import { GraphqlClient, loadTest, type LoadResult } from './http-load';

export interface DealTarget {
  repId: string;
  accountId: string;
}

const OPEN_DEAL = 'mutation($input: OpenDealInput!) { openDeal(input: $input) { id revision position } }';

function openDealBody(target: DealTarget, n: number): string {
  return JSON.stringify({
    query: OPEN_DEAL,
    variables: {
      input: {
        accountId: target.accountId,
        repId: target.repId,
        title: `Bench deal ${n}`,
        value: `${1000 + (n % 5000)}.00`,
        expectedCloseDate: '2030-06-30',
      },
    },
  });
}

/**
 * `openDeal` end to end over HTTP at full speed: every request opens a new deal (the server makes
 * the id) for one of the given active reps and accounts, in turn.
 */
export async function benchOpenDeal(
  url: string,
  token: string,
  targets: DealTarget[],
  options: { connections: number; durationS: number; warmupS: number },
): Promise<LoadResult> {
  let n = 0;
  return loadTest({
    url,
    headers: { authorization: `Bearer ${token}` },
    body: () => openDealBody(targets[n++ % targets.length]!, n),
    ...options,
  });
}

export interface LagResult {
  /** The target rate. */
  write_rate_per_s: number;
  /** The rate actually achieved by the sender (below the target when the server cannot keep up). */
  achieved_rate_per_s: number;
  samples: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** What the lag is made of: the openDeal round trip, then the wait for the read models plus the query. */
  write_p50_ms: number;
  write_p99_ms: number;
  visible_p50_ms: number;
  visible_p99_ms: number;
  /** Probes in flight at most; when the server falls behind, the sender waits and the achieved rate drops. */
  max_in_flight: number;
  method: string;
}

/**
 * Command-to-visible lag at a steady write rate: `rate` openDeal mutations per second for
 * `durationS`, paced by the clock (not by replies). For each, the time from sending the mutation
 * until `deal(id, atLeastPosition: <the mutation's position>)` answers with the deal: the
 * mutation's own latency plus the wait until every read model has projected that position, plus
 * one query round trip.
 */
export async function measureLag(
  url: string,
  token: string,
  targets: DealTarget[],
  options: { rate: number; durationS: number; maxInFlight?: number },
): Promise<LagResult> {
  const maxInFlight = options.maxInFlight ?? 256;
  const interval = 1000 / options.rate;
  const total = Math.round(options.rate * options.durationS);
  const lags: number[] = [];
  const writes: number[] = [];
  const visibles: number[] = [];
  const pending = new Set<Promise<void>>();
  const failures: string[] = [];
  const client = new GraphqlClient(url, token, maxInFlight);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    // Bounded: past this many open probes the server is not keeping up, and piling on sockets
    // would only measure connection failures.
    while (pending.size >= maxInFlight) await Promise.race(pending);
    const one = (async () => {
      const t0 = performance.now();
      const { openDeal } = await client.post<{ openDeal: { id: string; position: string } }>(
        openDealBody(targets[i % targets.length]!, i),
      );
      const t1 = performance.now();
      const { deal } = await client.query<{ deal: { id: string } | null }>(
        'query($id: ID!, $at: String) { deal(id: $id, atLeastPosition: $at) { id } }',
        { id: openDeal.id, at: openDeal.position },
      );
      if (deal?.id !== openDeal.id)
        throw new Error(`deal ${openDeal.id} not visible at ${openDeal.position}`);
      const t2 = performance.now();
      lags.push(t2 - t0);
      writes.push(t1 - t0);
      visibles.push(t2 - t1);
    })().catch((error: unknown) => {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      failures.push(`${error instanceof Error ? error.message : String(error)}${cause}`);
    });
    pending.add(one);
    void one.finally(() => pending.delete(one));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(pending);
  client.close();
  if (failures.length > 0)
    throw new Error(`${failures.length} of ${total} lag probes failed, e.g. ${failures[0]}`);
  for (const list of [lags, writes, visibles]) list.sort((a, b) => a - b);
  const pct = (p: number, list = lags): number =>
    Math.round(list[Math.min(list.length - 1, Math.floor(p * list.length))]! * 10) / 10;
  return {
    write_rate_per_s: options.rate,
    achieved_rate_per_s: Math.round(total / sendSeconds),
    samples: lags.length,
    p50_ms: pct(0.5),
    p99_ms: pct(0.99),
    max_ms: Math.round(lags[lags.length - 1]! * 10) / 10,
    write_p50_ms: pct(0.5, writes),
    write_p99_ms: pct(0.99, writes),
    visible_p50_ms: pct(0.5, visibles),
    visible_p99_ms: pct(0.99, visibles),
    max_in_flight: maxInFlight,
    method:
      `openDeal at a fixed send rate (paced by the clock, at most ${maxInFlight} probes in flight); per deal, the time from sending the mutation until ` +
      'deal(id, atLeastPosition: position-from-the-mutation) answers, i.e. the write, the wait until every ' +
      'read model has projected that position, and one query round trip',
  };
}
