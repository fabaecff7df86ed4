import type { GqlResponse } from './http';
import { NetworkError, sleep } from './http';
import type { Rng } from './rng';

/** What a mutation answers: `{ id revision position }`. */
export interface MutationResult {
  id: string;
  revision: number;
  position: string;
}

export interface Command {
  mutation: string;
  /** Always carries a `commandId`, so a retry after a crash is recognised. */
  input: Record<string, unknown> & { commandId: string };
}

export type Outcome =
  | { kind: 'ack'; result: MutationResult }
  | { kind: 'rejected'; code: string; reason?: string; message: string; status: number }
  | { kind: 'unknown'; error: string };

export interface Ack extends Command {
  result: MutationResult;
  /** When the answer came back (Date.now()). */
  answeredAt: number;
}

export interface Rejection extends Command {
  code: string;
  reason?: string;
  message: string;
  status: number;
}

/** Stream category each mutation writes to (the `id` it answers is that stream's aggregate id). */
export const MUTATION_CATEGORY: Record<string, string> = {
  formTeam: 'team',
  renameTeam: 'team',
  changeTeamSupervisor: 'team',
  hireRep: 'rep',
  transferRep: 'rep',
  changeRepChannel: 'rep',
  setRepQuota: 'rep',
  offboardRep: 'rep',
  registerAccount: 'account',
  reassignAccount: 'account',
  openDeal: 'deal',
  advanceDeal: 'deal',
  reviseDealValue: 'deal',
  rescheduleDeal: 'deal',
  reassignDeal: 'deal',
  changeDealChannel: 'deal',
  recordCompetitor: 'deal',
  winDeal: 'deal',
  loseDeal: 'deal',
  recordFulfilment: 'deal',
  scheduleTraining: 'training',
  enrollInTraining: 'training',
  recordAttendance: 'training',
  completeTraining: 'training',
  cancelTraining: 'training',
};

export function mutationDocument(name: string): string {
  const input = `${name[0]!.toUpperCase()}${name.slice(1)}Input`;
  return `mutation($input: ${input}!) { ${name}(input: $input) { id revision position } }`;
}

export type Send = (query: string, variables: Record<string, unknown>) => Promise<GqlResponse>;

/** Sends one command and classifies the answer; a broken connection is an unknown outcome, never a throw. */
export async function sendCommand(send: Send, command: Command): Promise<Outcome> {
  try {
    const reply = await send(mutationDocument(command.mutation), { input: command.input });
    const error = reply.errors?.[0];
    if (error || reply.status >= 400) {
      return {
        kind: 'rejected',
        code: String(error?.extensions?.code ?? `HTTP_${reply.status}`),
        reason: error?.extensions?.reason as string | undefined,
        message: error?.message ?? '',
        status: reply.status,
      };
    }
    const result = (reply.data as Record<string, MutationResult> | null)?.[command.mutation];
    if (!result) return { kind: 'rejected', code: 'NO_DATA', message: JSON.stringify(reply), status: reply.status };
    return { kind: 'ack', result };
  } catch (error) {
    if (error instanceof NetworkError) return { kind: 'unknown', error: `${error.code}: ${error.message}` };
    throw error;
  }
}

/**
 * Every command sent and what came back. Acknowledged commands must be in the log; rejected ones
 * must have written nothing; unknown ones (connection broke) are retried with the same commandId.
 */
export class Ledger {
  readonly acks: Ack[] = [];
  readonly rejections: Rejection[] = [];
  /** In flight when the service died; by commandId. */
  readonly unknown = new Map<string, Command>();
  /** Why each unknown outcome is unknown (ECONNREFUSED: never reached the service; ECONNRESET: cut). */
  readonly unknownErrors = new Map<string, string>();
  /** Unknown outcomes that a retry with the same commandId then acknowledged. */
  retriedAcks = 0;
  retriedRejections = 0;

  record(command: Command, outcome: Outcome): void {
    if (outcome.kind === 'ack') {
      this.acks.push({ ...command, result: outcome.result, answeredAt: Date.now() });
      this.unknown.delete(command.input.commandId);
    } else if (outcome.kind === 'rejected') {
      this.rejections.push({ ...command, code: outcome.code, reason: outcome.reason, message: outcome.message, status: outcome.status });
      this.unknown.delete(command.input.commandId);
    } else {
      this.unknown.set(command.input.commandId, command);
      this.unknownErrors.set(command.input.commandId, outcome.error);
    }
  }

  codes(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of this.rejections) {
      const key = r.reason ? `${r.code}/${r.reason}` : r.code;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Retries every unknown outcome with the same input and commandId until the service answers:
   * the command must then be applied exactly once, whether or not the first attempt landed.
   */
  async retryUnknown(send: Send, world?: World): Promise<number> {
    const pending = [...this.unknown.values()];
    for (const command of pending) {
      let outcome: Outcome = { kind: 'unknown', error: 'not sent' };
      for (let attempt = 0; attempt < 20 && outcome.kind === 'unknown'; attempt++) {
        outcome = await sendCommand(send, command);
        if (outcome.kind === 'unknown') await sleep(100);
      }
      if (outcome.kind === 'unknown') throw new Error(`retrying ${command.mutation} ${command.input.commandId} never got an answer: ${outcome.error}`);
      this.record(command, outcome);
      if (outcome.kind === 'ack') {
        this.retriedAcks += 1;
        world?.apply(command, outcome.result);
      } else {
        this.retriedRejections += 1;
      }
    }
    return pending.length;
  }
}

/** Codes a well-formed command of the workload may be refused with under concurrency. */
export const EXPECTED_REFUSALS = new Set(['DOMAIN_RULE_VIOLATED', 'CONFLICT', 'NOT_FOUND', 'STALE_READ_MODEL']);

const CHANNELS = ['FIELD', 'INSIDE', 'ONLINE', 'PARTNER', 'TENDER'] as const;
const OPEN_STAGES = ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION'] as const;
const LOSS_REASONS = ['PRICE', 'PRODUCT_FIT', 'COMPETITOR', 'TIMING', 'NO_DECISION', 'OTHER'] as const;
const SKILLS = ['NEGOTIATION', 'PRODUCT_KNOWLEDGE', 'COMMUNICATION', 'PROSPECTING', 'KEY_ACCOUNT_PLANNING', 'STRESS_RESILIENCE'] as const;
const COMPETITORS = ['Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay'] as const;

interface RepView {
  id: string;
  teamId: string;
  active: boolean;
}
interface DealView {
  id: string;
  repId: string;
  stage: string;
  valueMinor: number;
  closed: boolean;
  wonMinor: number | null;
  fulfilledMinor: number;
}
interface TrainingView {
  id: string;
  enrolled: string[];
  done: boolean;
}

function money(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

/**
 * What the clients believe exists, learnt only from acknowledgements. It feeds plausible commands
 * (a stale belief just means a refusal, which is part of the mix).
 */
export class World {
  readonly teams: string[] = [];
  readonly reps: RepView[] = [];
  readonly accounts: string[] = [];
  readonly deals: DealView[] = [];
  readonly trainings: TrainingView[] = [];
  private counter = 0;

  /** The next command of a client: a realistic mix, weighted by what exists. */
  next(rng: Rng, exclude: readonly string[] = []): Command {
    const activeReps = this.reps.filter((r) => r.active);
    const openDeals = this.deals.filter((d) => !d.closed);
    const wonDeals = this.deals.filter((d) => d.wonMinor !== null && d.fulfilledMinor < d.wonMinor);
    const openTrainings = this.trainings.filter((t) => !t.done);
    const weights = {
      formTeam: this.teams.length < 3 ? 6 : 0.3,
      renameTeam: this.teams.length ? 0.4 : 0,
      changeTeamSupervisor: this.teams.length ? 0.3 : 0,
      hireRep: this.teams.length ? (activeReps.length < 6 ? 5 : 1) : 0,
      transferRep: this.teams.length > 1 && activeReps.length ? 0.5 : 0,
      changeRepChannel: activeReps.length ? 0.6 : 0,
      setRepQuota: activeReps.length ? 0.8 : 0,
      offboardRep: activeReps.length > 4 ? 0.25 : 0,
      registerAccount: activeReps.length ? (this.accounts.length < 5 ? 4 : 1) : 0,
      reassignAccount: this.accounts.length && activeReps.length ? 0.4 : 0,
      openDeal: this.accounts.length && activeReps.length ? 5 : 0,
      advanceDeal: openDeals.length ? 4 : 0,
      reviseDealValue: openDeals.length ? 1.5 : 0,
      rescheduleDeal: openDeals.length ? 0.8 : 0,
      reassignDeal: openDeals.length && activeReps.length ? 0.6 : 0,
      changeDealChannel: openDeals.length ? 0.6 : 0,
      recordCompetitor: openDeals.length ? 0.8 : 0,
      winDeal: openDeals.length ? 1.5 : 0,
      loseDeal: openDeals.length ? 1 : 0,
      recordFulfilment: wonDeals.length ? 2 : 0,
      scheduleTraining: activeReps.length ? 0.5 : 0,
      enrollInTraining: openTrainings.length && activeReps.length ? 0.6 : 0,
      recordAttendance: openTrainings.some((t) => t.enrolled.length) ? 0.6 : 0,
      completeTraining: openTrainings.length ? 0.2 : 0,
      cancelTraining: openTrainings.length ? 0.1 : 0,
    };
    for (const name of exclude) if (name in weights) weights[name as keyof typeof weights] = 0;
    const kind = rng.weighted(weights);
    const commandId = rng.uuid();
    const n = ++this.counter;
    const withId = (mutation: string, input: Record<string, unknown>): Command => ({ mutation, input: { ...input, commandId } });
    switch (kind) {
      case 'formTeam':
        return withId(kind, { teamId: rng.uuid(), name: `Team ${n}`, supervisorId: `kam-${rng.int(1, 4)}` });
      case 'renameTeam':
        return withId(kind, { teamId: rng.pick(this.teams), name: `Team ${n} renamed` });
      case 'changeTeamSupervisor':
        return withId(kind, { teamId: rng.pick(this.teams), supervisorId: `kam-${rng.int(1, 4)}` });
      case 'hireRep': {
        const repId = rng.uuid();
        return withId(kind, { repId, name: `Rep ${n}`, email: `rep-${repId.slice(0, 8)}@example.com`, teamId: rng.pick(this.teams), channel: rng.pick(CHANNELS) });
      }
      case 'transferRep':
        return withId(kind, { repId: rng.pick(activeReps).id, teamId: rng.pick(this.teams) });
      case 'changeRepChannel':
        return withId(kind, { repId: rng.pick(activeReps).id, channel: rng.pick(CHANNELS), reason: rng.chance(0.5) ? 'territory change' : null });
      case 'setRepQuota':
        return withId(kind, { repId: rng.pick(activeReps).id, month: `2026-${String(rng.int(1, 12)).padStart(2, '0')}`, amount: money(rng.int(1, 500) * 10_000) });
      case 'offboardRep': {
        const rep = rng.pick(activeReps);
        const others = activeReps.filter((r) => r.id !== rep.id);
        return withId(kind, { repId: rep.id, reassignOpenDealsTo: rng.pick(others).id });
      }
      case 'registerAccount':
        return withId(kind, { accountId: rng.uuid(), name: `Account ${n}`, ownerRepId: rng.pick(activeReps).id, industry: rng.chance(0.5) ? 'Retail' : null });
      case 'reassignAccount':
        return withId(kind, { accountId: rng.pick(this.accounts), ownerRepId: rng.pick(activeReps).id });
      case 'openDeal':
        return withId(kind, {
          dealId: rng.uuid(),
          accountId: rng.pick(this.accounts),
          repId: rng.pick(activeReps).id,
          title: `Deal ${n}`,
          value: money(rng.int(1, 2000) * 1000 + rng.int(0, 99)),
          expectedCloseDate: `2027-${String(rng.int(1, 12)).padStart(2, '0')}-${String(rng.int(1, 28)).padStart(2, '0')}`,
          ...(rng.chance(0.3) ? { channel: rng.pick(CHANNELS) } : {}),
        });
      case 'advanceDeal':
        return withId(kind, { dealId: rng.pick(openDeals).id, stage: rng.pick(OPEN_STAGES) });
      case 'reviseDealValue':
        return withId(kind, { dealId: rng.pick(openDeals).id, value: money(rng.int(1, 2000) * 1000), reason: rng.chance(0.5) ? 'scope change' : null });
      case 'rescheduleDeal':
        return withId(kind, { dealId: rng.pick(openDeals).id, expectedCloseDate: `2027-${String(rng.int(1, 12)).padStart(2, '0')}-15` });
      case 'reassignDeal':
        return withId(kind, { dealId: rng.pick(openDeals).id, repId: rng.pick(activeReps).id });
      case 'changeDealChannel':
        return withId(kind, { dealId: rng.pick(openDeals).id, channel: rng.pick(CHANNELS) });
      case 'recordCompetitor':
        return withId(kind, { dealId: rng.pick(openDeals).id, competitor: rng.pick(COMPETITORS) });
      case 'winDeal': {
        const deal = rng.pick(openDeals);
        return withId(kind, { dealId: deal.id, ...(rng.chance(0.4) ? { wonValue: money(deal.valueMinor + rng.int(0, 5000)) } : {}), contractNumber: `C-${n}` });
      }
      case 'loseDeal':
        return withId(kind, { dealId: rng.pick(openDeals).id, reason: rng.pick(LOSS_REASONS), competitor: rng.chance(0.5) ? rng.pick(COMPETITORS) : null });
      case 'recordFulfilment': {
        const deal = rng.pick(wonDeals);
        const left = deal.wonMinor! - deal.fulfilledMinor;
        // Sometimes more than is left: the refusal (FULFILMENT_EXCEEDS_WON_VALUE) is part of the mix.
        const amount = rng.chance(0.8) ? Math.max(1, Math.floor(left / rng.int(1, 4))) : left + rng.int(1, 1000);
        return withId(kind, { dealId: deal.id, amount: money(amount), note: rng.chance(0.3) ? 'partial delivery' : null });
      }
      case 'scheduleTraining':
        return withId(kind, {
          sessionId: rng.uuid(),
          title: `Training ${n}`,
          skill: rng.pick(SKILLS),
          trainerId: `kam-${rng.int(1, 4)}`,
          // In the past, so attendance can be recorded and the session completed.
          scheduledAt: new Date(Date.now() - rng.int(2, 48) * 3_600_000).toISOString(),
          durationMinutes: rng.pick([30, 60, 90, 120]),
        });
      case 'enrollInTraining': {
        const reps = [...new Set([rng.pick(activeReps).id, rng.pick(activeReps).id])];
        return withId(kind, { sessionId: rng.pick(openTrainings).id, repIds: reps });
      }
      case 'recordAttendance': {
        const session = rng.pick(openTrainings.filter((t) => t.enrolled.length));
        const attended = rng.chance(0.8);
        return withId(kind, { sessionId: session.id, repId: rng.pick(session.enrolled), attended, score: attended ? rng.int(0, 100) : null });
      }
      case 'completeTraining':
        return withId(kind, { sessionId: rng.pick(openTrainings).id });
      case 'cancelTraining':
        return withId(kind, { sessionId: rng.pick(openTrainings).id, reason: 'trainer ill' });
    }
  }

  /** Learns from an acknowledged command. */
  apply(command: Command, result: MutationResult): void {
    const input = command.input as Record<string, any>;
    const deal = (id: string): DealView | undefined => this.deals.find((d) => d.id === id);
    switch (command.mutation) {
      case 'formTeam':
        if (!this.teams.includes(result.id)) this.teams.push(result.id);
        break;
      case 'hireRep':
        if (!this.reps.some((r) => r.id === result.id)) this.reps.push({ id: result.id, teamId: input.teamId, active: true });
        break;
      case 'transferRep': {
        const rep = this.reps.find((r) => r.id === input.repId);
        if (rep) rep.teamId = input.teamId;
        break;
      }
      case 'offboardRep': {
        const rep = this.reps.find((r) => r.id === input.repId);
        if (rep) rep.active = false;
        for (const d of this.deals) if (d.repId === input.repId && !d.closed) d.repId = input.reassignOpenDealsTo;
        break;
      }
      case 'registerAccount':
        if (!this.accounts.includes(result.id)) this.accounts.push(result.id);
        break;
      case 'openDeal':
        if (!deal(result.id)) {
          this.deals.push({ id: result.id, repId: input.repId, stage: 'PROSPECTING', valueMinor: toMinor(input.value), closed: false, wonMinor: null, fulfilledMinor: 0 });
        }
        break;
      case 'advanceDeal': {
        const d = deal(input.dealId);
        if (d) d.stage = input.stage;
        break;
      }
      case 'reviseDealValue': {
        const d = deal(input.dealId);
        if (d) d.valueMinor = toMinor(input.value);
        break;
      }
      case 'reassignDeal': {
        const d = deal(input.dealId);
        if (d) d.repId = input.repId;
        break;
      }
      case 'winDeal': {
        const d = deal(input.dealId);
        if (d) {
          d.closed = true;
          d.stage = 'WON';
          d.wonMinor = input.wonValue ? toMinor(input.wonValue) : d.valueMinor;
        }
        break;
      }
      case 'loseDeal': {
        const d = deal(input.dealId);
        if (d) {
          d.closed = true;
          d.stage = 'LOST';
        }
        break;
      }
      case 'recordFulfilment': {
        const d = deal(input.dealId);
        if (d) d.fulfilledMinor += toMinor(input.amount);
        break;
      }
      case 'scheduleTraining':
        if (!this.trainings.some((t) => t.id === result.id)) this.trainings.push({ id: result.id, enrolled: [], done: false });
        break;
      case 'enrollInTraining': {
        const t = this.trainings.find((s) => s.id === input.sessionId);
        if (t) for (const id of input.repIds as string[]) if (!t.enrolled.includes(id)) t.enrolled.push(id);
        break;
      }
      case 'completeTraining':
      case 'cancelTraining': {
        const t = this.trainings.find((s) => s.id === input.sessionId);
        if (t) t.done = true;
        break;
      }
      default:
        break;
    }
  }

  /** Learns from a refusal that shows a belief was stale (the deal is closed, the rep gone, ...). */
  learn(command: Command, reason: string | undefined): void {
    const input = command.input as Record<string, any>;
    if (reason === 'DEAL_ALREADY_CLOSED') {
      const d = this.deals.find((x) => x.id === input.dealId);
      if (d) d.closed = true;
    }
    if (reason === 'REP_OFFBOARDED') {
      for (const id of [input.repId, input.ownerRepId].filter(Boolean)) {
        const rep = this.reps.find((r) => r.id === id);
        if (rep) rep.active = false;
      }
    }
    if (reason === 'FULFILMENT_EXCEEDS_WON_VALUE') {
      const d = this.deals.find((x) => x.id === input.dealId);
      if (d && d.wonMinor !== null) d.fulfilledMinor = d.wonMinor;
    }
    if (reason === 'TRAINING_CANCELLED' || reason === 'TRAINING_ALREADY_COMPLETED') {
      const t = this.trainings.find((s) => s.id === input.sessionId);
      if (t) t.done = true;
    }
  }
}

export function toMinor(value: string): number {
  const [whole, fraction = ''] = value.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

export interface ClientsOptions {
  clients: number;
  /** Draws each client's commands (fork per client, so each client's sequence is seeded). */
  rng: Rng;
  send: Send;
  world: World;
  ledger: Ledger;
  /** Clients stop when this returns true (checked before every command). */
  stop: () => boolean;
  /** Optional pause between a client's commands. */
  pauseMs?: number;
  /** Mutations this run does not send. */
  exclude?: string[];
}

/**
 * Runs `clients` concurrent clients until `stop()` or until their connection breaks (the service
 * died): every outcome goes to the ledger; the first unknown outcome ends that client.
 */
export async function runClients(options: ClientsOptions): Promise<void> {
  const client = async (index: number): Promise<void> => {
    const rng = options.rng.fork(`client-${index}`);
    while (!options.stop()) {
      const command = options.world.next(rng, options.exclude);
      const outcome = await sendCommand(options.send, command);
      options.ledger.record(command, outcome);
      if (outcome.kind === 'ack') options.world.apply(command, outcome.result);
      else if (outcome.kind === 'rejected') options.world.learn(command, outcome.reason);
      else return;
      if (options.pauseMs) await sleep(options.pauseMs);
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, i) => client(i)));
}
