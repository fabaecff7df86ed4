import {
  DAY_MS,
  SALES_CHANNELS,
  SKILLS,
  type LossReason,
  type OpenDealStage,
  type SalesChannel,
} from '@kam/kernel';
import { Rng } from './random';
import { BARRIER, type SeedCommand, type SeedCommandType } from './seed-command';
import {
  CANCEL_REASONS,
  CHANNEL_CHANGE_REASONS,
  COMPETITORS,
  COMPETITOR_WEIGHTS,
  FIRST_NAMES,
  INDUSTRIES,
  LAST_NAMES,
  PRODUCTS,
  TEAM_REGIONS,
  TRAINING_TITLES,
  VALUE_REVISION_REASONS,
  companyName,
  slug,
  taxIdFrom,
} from './names';

export interface SimulationOptions {
  teams: number;
  /** Active headcount: every offboarded rep is replaced by a new hire. */
  reps: number;
  accounts: number;
  /** Calendar months of history, ending with the month of `end`. */
  months: number;
  seed: number;
  /** The last instant of the history (default: the start of today, UTC, so a day's runs agree). */
  end?: Date;
  /** Mean deals a rep opens per month (default 6). */
  dealsPerRepPerMonth?: number;
  /** Fixed supervisor subjects, one per team (the demo prints tokens for them); default `kam-<region>`. */
  supervisorIds?: string[];
}

export interface TeamInfo {
  id: string;
  name: string;
  supervisorId: string;
}

export interface SimulationCounts {
  teams: number;
  repsHired: number;
  repsOffboarded: number;
  transfers: number;
  channelChanges: number;
  accounts: number;
  dealsOpened: number;
  dealsWon: number;
  dealsLost: number;
  trainingsScheduled: number;
  trainingsCompleted: number;
  trainingsCancelled: number;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Typical deal size per channel in PLN, before the account's weight and noise. */
const CHANNEL_BASE_VALUE: Record<SalesChannel, number> = {
  FIELD: 30_000,
  INSIDE: 9_000,
  ONLINE: 4_000,
  PARTNER: 18_000,
  TENDER: 60_000,
};
/** Typical days from opening to the expected close. */
const CHANNEL_CYCLE_DAYS: Record<SalesChannel, number> = {
  FIELD: 55,
  INSIDE: 30,
  ONLINE: 18,
  PARTNER: 45,
  TENDER: 85,
};
const CHANNEL_WEIGHTS = [35, 25, 15, 15, 10];
/** Sales are lower in summer and peak before the year end. */
const SEASONALITY = [0.9, 0.95, 1.05, 1.0, 1.0, 0.95, 0.8, 0.75, 1.05, 1.1, 1.15, 1.2];
const LOSS_REASONS: LossReason[] = ['COMPETITOR', 'PRICE', 'NO_DECISION', 'TIMING', 'PRODUCT_FIT', 'OTHER'];
const LOSS_WEIGHTS = [32, 25, 15, 12, 10, 6];
/** Pareto shape of account weights (1.16 alone would be the classic 80/20; see below). */
const ACCOUNT_PARETO_ALPHA = 1.3;
const MAX_ACCOUNT_WEIGHT = 60;
/**
 * Deal value grows with the account's weight^0.8 and bigger accounts buy a little more often
 * (weight^0.3): together with the sampling noise of few deals per account, about a fifth of the
 * accounts bring 80–88% of the won revenue (measured on several seeds and sizes).
 */
const VALUE_EXPONENT = 0.8;
const PICK_EXPONENT = 0.3;

interface Team {
  id: string;
  name: string;
  region: string;
  supervisorId: string;
  renamed: boolean;
}

interface Rep {
  id: string;
  name: string;
  teamId: string;
  channel: SalesChannel;
  active: boolean;
  hiredAt: number;
  /** Added to the win probability at negotiation: talent plus what trainings taught. */
  talent: number;
  trainingBoost: number;
  /** Deals opened per month relative to the mean. */
  activity: number;
  /** Share of new accounts this rep is given. */
  bookWeight: number;
  /** Open deals this rep owns, in the order opened. */
  openDeals: Set<string>;
  /** Registered accounts this rep owns. */
  accounts: Set<number>;
}

interface Account {
  index: number;
  id: string;
  name: string;
  /** Pareto-distributed size: drives deal values (and a little, deal frequency). */
  weight: number;
  /** weight^PICK_EXPONENT: how much more often a bigger account buys. */
  pickWeight: number;
  ownerRepId: string | null;
  registered: boolean;
}

type Step =
  | { kind: 'advance'; stage: OpenDealStage }
  | { kind: 'revise'; factor: number }
  | { kind: 'reschedule'; date: string }
  | { kind: 'competitor'; name: string }
  | { kind: 'channel' }
  | { kind: 'reassign' }
  | { kind: 'win'; discount: boolean }
  | { kind: 'lose'; reason: LossReason; competitor: string | null }
  | { kind: 'fulfil'; share: number; last: boolean };

interface Deal {
  id: string;
  repId: string;
  channel: SalesChannel;
  valueMinor: number;
  wonValueMinor: number;
  fulfilledMinor: number;
  competitors: string[];
  closed: boolean;
  steps: Array<{ at: number; step: Step }>;
  next: number;
}

interface Intent {
  at: number;
  seq: number;
  run: () => void;
}

/** A binary min-heap on (at, seq): intents run in business-time order, ties in scheduling order. */
class IntentQueue {
  private readonly heap: Intent[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(intent: Intent): void {
    const heap = this.heap;
    heap.push(intent);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  peek(): Intent | undefined {
    return this.heap[0];
  }

  pop(): Intent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Intent, b: Intent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Start of the UTC day of `ms`. */
function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

export function startOfTodayUtc(now = Date.now()): Date {
  return new Date(dayStart(now));
}

/**
 * A discrete-event simulation of a sales organisation: intents sit in a queue ordered by business
 * time, and running one emits the commands of that moment (judged against the simulated state as
 * it stands then, so every command is valid when it is executed in order) and schedules what
 * follows. `next()` hands out the commands in business-time order; nothing here does I/O.
 */
export class Simulation {
  readonly start: number;
  readonly end: number;
  readonly counts: SimulationCounts = {
    teams: 0,
    repsHired: 0,
    repsOffboarded: 0,
    transfers: 0,
    channelChanges: 0,
    accounts: 0,
    dealsOpened: 0,
    dealsWon: 0,
    dealsLost: 0,
    trainingsScheduled: 0,
    trainingsCompleted: 0,
    trainingsCancelled: 0,
  };

  private readonly rng: Rng;
  /** Ids come from their own generator, so changing how ids are drawn does not shift the business. */
  private readonly ids: Rng;
  private readonly queue = new IntentQueue();
  private readonly out: SeedCommand[] = [];
  private outIndex = 0;
  private seq = 0;
  private now = 0;

  private readonly teams: Team[] = [];
  private readonly reps = new Map<string, Rep>();
  private readonly accounts: Account[] = [];
  /** Registered accounts in registration order, with the running sum of their pick weights. */
  private readonly registered: Account[] = [];
  private readonly registeredCumulative: number[] = [];
  private readonly deals = new Map<string, Deal>();
  private readonly dealsPerRepPerMonth: number;
  private contractSeq = 0;
  private nameSeq = 0;
  private readonly meanAccountWeight: number;

  constructor(private readonly options: SimulationOptions) {
    for (const [name, value] of Object.entries({
      teams: options.teams,
      reps: options.reps,
      accounts: options.accounts,
      months: options.months,
    })) {
      if (!Number.isInteger(value) || value < 1)
        throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
    if (options.reps < options.teams)
      throw new RangeError('reps must be at least teams (every team needs a rep)');
    if (options.supervisorIds && options.supervisorIds.length < options.teams) {
      throw new RangeError(`supervisorIds must name one supervisor per team (${options.teams})`);
    }
    this.rng = new Rng(options.seed);
    this.ids = new Rng(options.seed ^ 0x5eed1d5);
    this.dealsPerRepPerMonth = options.dealsPerRepPerMonth ?? 6;
    const end = (options.end ?? startOfTodayUtc()).getTime();
    const endDate = new Date(end);
    this.end = end;
    this.start = Date.UTC(endDate.getUTCFullYear(), endDate.getUTCMonth() - options.months + 1, 1);

    for (let i = 0; i < options.accounts; i++) {
      const weight = Math.min(this.rng.pareto(ACCOUNT_PARETO_ALPHA), MAX_ACCOUNT_WEIGHT);
      this.accounts.push({
        index: i,
        id: this.ids.uuid(),
        name: companyName(i),
        weight,
        pickWeight: Math.pow(weight, PICK_EXPONENT),
        ownerRepId: null,
        registered: false,
      });
    }
    // The mean value factor of the account a deal lands on (picked by weight^PICK_EXPONENT), for quotas.
    let picked = 0;
    let weighted = 0;
    for (const a of this.accounts) {
      picked += a.pickWeight;
      weighted += a.pickWeight * Math.pow(a.weight, VALUE_EXPONENT);
    }
    this.meanAccountWeight = weighted / picked;
    this.planOrganisation();
  }

  /** Rough number of events the run will write (for a progress bar; the real count is measured). */
  estimatedEvents(): number {
    const repMonths = this.options.reps * this.options.months;
    return Math.round(
      repMonths * (this.dealsPerRepPerMonth * 6.4 + 1.2) +
        this.options.accounts * 1.05 +
        this.options.teams * this.options.months * 8,
    );
  }

  /** The team list as it stands at the end of what has been generated so far. */
  teamInfo(): TeamInfo[] {
    return this.teams.map((t) => ({ id: t.id, name: t.name, supervisorId: t.supervisorId }));
  }

  openDeals(): number {
    return this.counts.dealsOpened - this.counts.dealsWon - this.counts.dealsLost;
  }

  /** The next command in business-time order, or undefined when the history is complete. */
  next(): SeedCommand | undefined {
    while (this.outIndex >= this.out.length) {
      this.out.length = 0;
      this.outIndex = 0;
      const intent = this.queue.peek();
      if (!intent || intent.at > this.end) return undefined;
      this.queue.pop();
      this.now = intent.at;
      intent.run();
    }
    return this.out[this.outIndex++];
  }

  // ---------------------------------------------------------------- planning

  private schedule(at: number, run: () => void): void {
    if (at > this.end) return;
    this.queue.push({ at, seq: this.seq++, run });
  }

  private emit<T extends SeedCommandType>(
    type: T,
    input: Extract<SeedCommand, { type: T }>['input'],
    stream: string,
    keys: string[],
    sideStreams?: string[],
  ): void {
    this.out.push({
      type,
      input,
      at: this.now,
      commandId: this.ids.uuid(),
      stream,
      keys,
      sideStreams,
    } as SeedCommand);
  }

  private planOrganisation(): void {
    const { teams, reps, months } = this.options;
    const day0 = this.start;
    // Forming the organisation: an import at the start of the first month, before office hours.
    this.schedule(day0 + 6 * HOUR_MS, () => {
      for (let i = 0; i < teams; i++) this.formTeam(i);
    });
    const order = Array.from({ length: reps }, (_, i) => i);
    this.shuffle(order);
    this.schedule(day0 + 6 * HOUR_MS + 30 * MINUTE_MS, () => {
      for (const i of order) this.hireRep(this.teams[i % teams]!, null);
    });

    // The existing book: 60% of the accounts in the first three weeks, the rest spread over the history.
    const initial = Math.round(this.options.accounts * 0.6);
    const historyMs = this.end - day0;
    for (let i = 0; i < this.options.accounts; i++) {
      const at =
        i < initial
          ? this.workTime(day0 + DAY_MS + this.rng.float() * 20 * DAY_MS)
          : this.workTime(day0 + 21 * DAY_MS + this.rng.float() * Math.max(historyMs - 22 * DAY_MS, DAY_MS));
      const account = this.accounts[i]!;
      this.schedule(at, () => this.registerAccount(account));
    }

    for (let m = 0; m < months; m++) {
      const monthStart = Date.UTC(new Date(day0).getUTCFullYear(), new Date(day0).getUTCMonth() + m, 1);
      this.schedule(monthStart + 7 * HOUR_MS, () => this.planMonth(monthStart));
    }

    // People moves, at times chosen now, on reps chosen when the time comes.
    const movesFrom = day0 + Math.min(60 * DAY_MS, historyMs * 0.15);
    const span = Math.max(this.end - 14 * DAY_MS - movesFrom, DAY_MS);
    const offboardings = reps >= 4 ? Math.max(1, Math.round(reps * 0.08)) : 0;
    for (let i = 0; i < offboardings; i++)
      this.schedule(this.workTime(movesFrom + this.rng.float() * span), () => this.offboardSomeone());
    const transfers = teams >= 2 ? Math.max(1, Math.round(reps * 0.1)) : 0;
    for (let i = 0; i < transfers; i++)
      this.schedule(this.workTime(movesFrom + this.rng.float() * span), () => this.transferSomeone());
    const channelChanges = Math.max(1, Math.round(reps * 0.25));
    for (let i = 0; i < channelChanges; i++)
      this.schedule(this.workTime(movesFrom + this.rng.float() * span), () => this.changeSomeonesChannel());
    const reassignments = Math.round(this.options.accounts * 0.03);
    for (let i = 0; i < reassignments; i++)
      this.schedule(this.workTime(movesFrom + this.rng.float() * span), () => this.reassignSomeAccount());
    if (teams >= 2) {
      const team = this.rng.int(0, teams - 1);
      this.schedule(this.workTime(day0 + historyMs * 0.4), () => this.renameTeam(this.teams[team]!));
    }
    if (teams >= 4 && !this.options.supervisorIds) {
      const team = this.rng.int(0, teams - 1);
      this.schedule(this.workTime(day0 + historyMs * 0.55), () => this.changeSupervisor(this.teams[team]!));
    }
  }

  /** At the start of each month: quotas, the month's deals per rep, and the teams' trainings. */
  private planMonth(monthStart: number): void {
    const date = new Date(monthStart);
    const nextMonth = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    const season = SEASONALITY[date.getUTCMonth()]!;
    for (const rep of this.reps.values()) {
      if (!rep.active) continue;
      this.setQuota(rep, monthStart, 1);
      const deals = this.rng.poisson(this.dealsPerRepPerMonth * rep.activity * season);
      for (let i = 0; i < deals; i++) {
        const at = this.workTime(monthStart + this.rng.float() * (nextMonth - monthStart - DAY_MS));
        this.schedule(at, () => this.openDeal(rep));
      }
    }
    for (const team of this.teams) {
      if (!this.rng.chance(0.8)) continue;
      const at = this.workTime(monthStart + this.rng.float() * 20 * DAY_MS);
      this.schedule(at, () => this.scheduleTraining(team));
    }
  }

  // ------------------------------------------------------------------ org

  private formTeam(index: number): void {
    const region = TEAM_REGIONS[index % TEAM_REGIONS.length]!;
    const round = Math.floor(index / TEAM_REGIONS.length);
    const name = round === 0 ? region : `${region} ${round + 1}`;
    const supervisorId = this.options.supervisorIds?.[index] ?? `kam-${slug(name).replace(/\./g, '-')}`;
    const team: Team = { id: this.ids.uuid(), name, region, supervisorId, renamed: false };
    this.teams.push(team);
    this.counts.teams++;
    this.emit('FormTeam', { teamId: team.id, name, supervisorId }, `team-${team.id}`, [`team-${team.id}`]);
  }

  private renameTeam(team: Team): void {
    team.name = `${team.name} & Key Accounts`;
    team.renamed = true;
    this.emit('RenameTeam', { teamId: team.id, name: team.name }, `team-${team.id}`, [`team-${team.id}`]);
  }

  private changeSupervisor(team: Team): void {
    team.supervisorId = `${team.supervisorId}-2`;
    this.emit(
      'ChangeTeamSupervisor',
      { teamId: team.id, supervisorId: team.supervisorId },
      `team-${team.id}`,
      [`team-${team.id}`],
    );
  }

  private hireRep(team: Team, quotaFraction: number | null): Rep {
    const first = this.rng.pick(FIRST_NAMES);
    const last = this.rng.pick(LAST_NAMES);
    const name = `${first} ${last}`;
    const n = ++this.nameSeq;
    const channel = this.rng.weighted(SALES_CHANNELS, CHANNEL_WEIGHTS);
    const rep: Rep = {
      id: this.ids.uuid(),
      name,
      teamId: team.id,
      channel,
      active: true,
      hiredAt: this.now,
      talent: Math.max(-0.12, Math.min(0.12, this.rng.normal(0, 0.06))),
      trainingBoost: 0,
      activity: Math.max(0.4, this.rng.lognormal(1, 0.25)),
      bookWeight: this.rng.lognormal(1, 0.4),
      openDeals: new Set(),
      accounts: new Set(),
    };
    this.reps.set(rep.id, rep);
    this.counts.repsHired++;
    this.emit(
      'HireRep',
      {
        repId: rep.id,
        name,
        email: `${slug(first)}.${slug(last)}.${n}@example.com`,
        teamId: team.id,
        channel,
      },
      `rep-${rep.id}`,
      [`rep-${rep.id}`, `team-${team.id}`],
    );
    if (quotaFraction !== null) this.setQuota(rep, this.now, quotaFraction);
    return rep;
  }

  /** A monthly quota in line with what the rep's channel sells, with some stretch and noise. */
  private setQuota(rep: Rep, at: number, fraction: number): void {
    const season = SEASONALITY[new Date(at).getUTCMonth()]!;
    const expectedWon =
      this.dealsPerRepPerMonth * 0.27 * CHANNEL_BASE_VALUE[rep.channel] * this.meanAccountWeight * 1.1;
    const amountPln =
      Math.round((expectedWon * season * this.rng.lognormal(1.05, 0.15) * fraction) / 1000) * 1000;
    this.emit(
      'SetRepQuota',
      { repId: rep.id, month: monthOf(at), amount: Math.max(amountPln, 1000) * 100 },
      `rep-${rep.id}`,
      [`rep-${rep.id}`],
    );
  }

  private activeReps(teamId?: string): Rep[] {
    const out: Rep[] = [];
    for (const rep of this.reps.values())
      if (rep.active && (teamId === undefined || rep.teamId === teamId)) out.push(rep);
    return out;
  }

  private offboardSomeone(): void {
    const candidates = this.activeReps().filter(
      (r) => this.now - r.hiredAt > 30 * DAY_MS && this.activeReps(r.teamId).length >= 2,
    );
    if (candidates.length === 0) {
      // Nobody can leave yet (too new, or alone in the team): try again a week later.
      this.schedule(this.workTime(this.now + 7 * DAY_MS), () => this.offboardSomeone());
      return;
    }
    const rep = this.rng.pick(candidates);
    const target = this.rng.pick(this.activeReps(rep.teamId).filter((r) => r.id !== rep.id));
    // Reads the whole log (open deals of the rep), so it runs alone.
    const moved = [...rep.openDeals].map((id) => `deal-${id}`);
    this.emit(
      'OffboardRep',
      { repId: rep.id, reassignOpenDealsTo: target.id },
      `rep-${rep.id}`,
      [BARRIER],
      moved,
    );
    rep.active = false;
    this.counts.repsOffboarded++;
    for (const dealId of rep.openDeals) {
      const deal = this.deals.get(dealId)!;
      deal.repId = target.id;
      target.openDeals.add(dealId);
    }
    rep.openDeals.clear();
    const handedOver = [...rep.accounts];
    for (const index of handedOver) this.reassignAccount(this.accounts[index]!, target);
    // A replacement joins the team within a month and takes over half of the leaver's book.
    const team = this.teams.find((t) => t.id === rep.teamId)!;
    this.schedule(this.workTime(this.now + (7 + this.rng.float() * 21) * DAY_MS), () => {
      const hire = this.hireRep(team, this.remainingMonthFraction());
      for (const index of handedOver) {
        const account = this.accounts[index]!;
        if (account.ownerRepId === target.id && target.active && this.rng.chance(0.5))
          this.reassignAccount(account, hire);
      }
    });
  }

  private remainingMonthFraction(): number {
    const d = new Date(this.now);
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return Math.max(0.1, (next - this.now) / (next - first));
  }

  private transferSomeone(): void {
    const candidates = this.activeReps().filter((r) => this.activeReps(r.teamId).length >= 3);
    if (candidates.length === 0) return;
    const rep = this.rng.pick(candidates);
    const team = this.rng.pick(this.teams.filter((t) => t.id !== rep.teamId));
    rep.teamId = team.id;
    this.counts.transfers++;
    this.emit('TransferRep', { repId: rep.id, teamId: team.id }, `rep-${rep.id}`, [
      `rep-${rep.id}`,
      `team-${team.id}`,
    ]);
  }

  private changeSomeonesChannel(): void {
    const candidates = this.activeReps();
    if (candidates.length === 0) return;
    const rep = this.rng.pick(candidates);
    const channel = this.rng.weighted(
      SALES_CHANNELS.filter((c) => c !== rep.channel),
      CHANNEL_WEIGHTS.filter((_, i) => SALES_CHANNELS[i] !== rep.channel),
    );
    rep.channel = channel;
    this.counts.channelChanges++;
    this.emit(
      'ChangeRepChannel',
      { repId: rep.id, channel, reason: this.rng.pick(CHANNEL_CHANGE_REASONS) },
      `rep-${rep.id}`,
      [`rep-${rep.id}`],
    );
  }

  // -------------------------------------------------------------- accounts

  private registerAccount(account: Account): void {
    const reps = this.activeReps();
    const owner = this.rng.weighted(
      reps,
      reps.map((r) => r.bookWeight),
    );
    account.registered = true;
    this.registered.push(account);
    this.registeredCumulative.push(
      (this.registeredCumulative[this.registeredCumulative.length - 1] ?? 0) + account.pickWeight,
    );
    account.ownerRepId = owner.id;
    owner.accounts.add(account.index);
    this.counts.accounts++;
    const digits = Array.from({ length: 9 }, () => this.rng.int(0, 9));
    digits[0] = this.rng.int(1, 9);
    this.emit(
      'RegisterAccount',
      {
        accountId: account.id,
        name: account.name,
        taxId: taxIdFrom(digits),
        industry: this.rng.pick(INDUSTRIES),
        ownerRepId: owner.id,
      },
      `account-${account.id}`,
      [`account-${account.id}`, `rep-${owner.id}`],
    );
  }

  private reassignAccount(account: Account, to: Rep): void {
    if (account.ownerRepId === to.id) return;
    const from = account.ownerRepId ? this.reps.get(account.ownerRepId) : undefined;
    from?.accounts.delete(account.index);
    account.ownerRepId = to.id;
    to.accounts.add(account.index);
    this.emit('ReassignAccount', { accountId: account.id, ownerRepId: to.id }, `account-${account.id}`, [
      `account-${account.id}`,
      `rep-${to.id}`,
    ]);
  }

  private reassignSomeAccount(): void {
    if (this.registered.length === 0) return;
    const account = this.rng.pick(this.registered);
    const owner = account.ownerRepId ? this.reps.get(account.ownerRepId) : undefined;
    const teammates = this.activeReps(owner?.teamId).filter((r) => r.id !== account.ownerRepId);
    if (teammates.length === 0) return;
    this.reassignAccount(account, this.rng.pick(teammates));
  }

  /** Reps mostly sell to their own book; bigger accounts buy a little more often. */
  private pickAccount(rep: Rep): Account | undefined {
    if (rep.accounts.size > 0 && this.rng.chance(0.92)) {
      let total = 0;
      for (const i of rep.accounts) total += this.accounts[i]!.pickWeight;
      let r = this.rng.float() * total;
      let last: Account | undefined;
      for (const i of rep.accounts) {
        last = this.accounts[i]!;
        r -= last.pickWeight;
        if (r < 0) return last;
      }
      return last;
    }
    const n = this.registered.length;
    if (n === 0) return undefined;
    // Binary search in the running sums: the whole book, weighted, in O(log n).
    const target = this.rng.float() * this.registeredCumulative[n - 1]!;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.registeredCumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return this.registered[lo];
  }

  // ----------------------------------------------------------------- deals

  private openDeal(rep: Rep): void {
    if (!rep.active) return;
    const account = this.pickAccount(rep);
    if (!account) return;
    const channel = rep.channel;
    const valuePln =
      CHANNEL_BASE_VALUE[channel] * Math.pow(account.weight, VALUE_EXPONENT) * this.rng.lognormal(1, 0.45);
    const valueMinor = Math.max(100, Math.round(valuePln / 100)) * 10_000;
    const cycleDays =
      CHANNEL_CYCLE_DAYS[channel] * this.rng.lognormal(1, 0.35) * (1 + 0.12 * Math.log(account.weight));
    const expectedClose = this.now + cycleDays * DAY_MS;
    const deal: Deal = {
      id: this.ids.uuid(),
      repId: rep.id,
      channel,
      valueMinor,
      wonValueMinor: 0,
      fulfilledMinor: 0,
      competitors: [],
      closed: false,
      steps: [],
      next: 0,
    };
    this.deals.set(deal.id, deal);
    rep.openDeals.add(deal.id);
    this.counts.dealsOpened++;
    const shortName = account.name.split(' ').slice(0, 2).join(' ');
    this.emit(
      'OpenDeal',
      {
        dealId: deal.id,
        accountId: account.id,
        repId: rep.id,
        title: `${shortName} – ${this.rng.pick(PRODUCTS)}`,
        value: valueMinor,
        channel,
        expectedCloseDate: dateOf(expectedClose),
      },
      `deal-${deal.id}`,
      [`deal-${deal.id}`, `account-${account.id}`, `rep-${rep.id}`],
    );
    deal.steps = this.planDeal(rep, cycleDays, expectedClose);
    this.scheduleNextStep(deal);
  }

  /** The deal's future, drawn now: stages reached, slips, revisions, competitors, the outcome, fulfilment. */
  private planDeal(rep: Rep, cycleDays: number, expectedClose: number): Array<{ at: number; step: Step }> {
    const opened = this.now;
    const actualDays = cycleDays * this.rng.lognormal(1, 0.3);
    const closeAt = opened + actualDays * DAY_MS;
    const path: OpenDealStage[] = [];
    const continueP = [0.74, 0.72, 0.8];
    const stages: OpenDealStage[] = ['QUALIFICATION', 'PROPOSAL', 'NEGOTIATION'];
    for (let i = 0; i < stages.length && this.rng.chance(continueP[i]!); i++) path.push(stages[i]!);
    if (path.length === 3 && this.rng.chance(0.07)) path.push('PROPOSAL', 'NEGOTIATION'); // back to proposal, then on again
    const reached = path[path.length - 1];
    const winP =
      reached === 'NEGOTIATION'
        ? 0.6 + rep.talent + rep.trainingBoost
        : reached === 'PROPOSAL'
          ? 0.08 + rep.talent / 2
          : 0;
    const won = this.rng.chance(Math.max(0, Math.min(0.95, winP)));

    const steps: Array<{ at: number; step: Step }> = [];
    const segment = (closeAt - opened) / (path.length + 1);
    // Jitter below half a segment keeps the stages in the order drawn.
    path.forEach((stage, i) =>
      steps.push({
        at: opened + segment * (i + 1 + (this.rng.float() - 0.5) * 0.6),
        step: { kind: 'advance', stage },
      }),
    );
    const between = (): number => opened + (closeAt - opened) * (0.1 + 0.8 * this.rng.float());
    if (this.rng.chance(0.3))
      steps.push({ at: between(), step: { kind: 'revise', factor: this.rng.lognormal(1, 0.15) } });
    if (this.rng.chance(0.08))
      steps.push({ at: between(), step: { kind: 'revise', factor: this.rng.lognormal(1, 0.1) } });
    const competitors: string[] = [];
    if (this.rng.chance(0.45)) competitors.push(this.rng.weighted(COMPETITORS, COMPETITOR_WEIGHTS));
    if (this.rng.chance(0.1)) competitors.push(this.rng.weighted(COMPETITORS, COMPETITOR_WEIGHTS));
    for (const name of competitors) steps.push({ at: between(), step: { kind: 'competitor', name } });
    if (this.rng.chance(0.03)) steps.push({ at: between(), step: { kind: 'channel' } });
    if (this.rng.chance(0.03)) steps.push({ at: between(), step: { kind: 'reassign' } });
    // A slip: the expected close passes before the deal closes, so the rep moves the date.
    if (closeAt > expectedClose + 3 * DAY_MS) {
      const slipAt = Math.max(opened + HOUR_MS, expectedClose - this.rng.float() * 5 * DAY_MS);
      steps.push({
        at: slipAt,
        step: { kind: 'reschedule', date: dateOf(closeAt + this.rng.float() * 10 * DAY_MS) },
      });
      if (closeAt > expectedClose + 30 * DAY_MS && this.rng.chance(0.5)) {
        steps.push({
          at: (slipAt + closeAt) / 2,
          step: { kind: 'reschedule', date: dateOf(closeAt + (5 + this.rng.float() * 20) * DAY_MS) },
        });
      }
    }
    steps.sort((a, b) => a.at - b.at);
    if (won) {
      steps.push({ at: closeAt, step: { kind: 'win', discount: this.rng.chance(0.1) } });
      const tranches = this.rng.int(1, 4);
      const complete = this.rng.chance(0.85);
      for (let k = 1; k <= tranches; k++) {
        steps.push({
          at: closeAt + k * (20 + this.rng.float() * 20) * DAY_MS,
          step: {
            kind: 'fulfil',
            share: complete ? 1 / tranches : 0.8 / tranches,
            last: complete && k === tranches,
          },
        });
      }
    } else {
      const reason = this.rng.weighted(LOSS_REASONS, LOSS_WEIGHTS);
      const named = reason === 'COMPETITOR' || (reason === 'PRICE' && this.rng.chance(0.4));
      const competitor = named
        ? (competitors[0] ?? this.rng.weighted(COMPETITORS, COMPETITOR_WEIGHTS))
        : null;
      steps.push({ at: closeAt, step: { kind: 'lose', reason, competitor } });
    }
    // Working hours, strictly increasing: a stream's events never go back in business time.
    let last = opened;
    for (const s of steps) {
      s.at = Math.max(this.workTime(s.at), last + MINUTE_MS);
      last = s.at;
    }
    return steps;
  }

  private scheduleNextStep(deal: Deal): void {
    const next = deal.steps[deal.next];
    if (!next) {
      // Nothing more will happen to it: a million-event history should not keep every deal alive.
      this.deals.delete(deal.id);
      return;
    }
    this.schedule(next.at, () => {
      deal.next++;
      this.runStep(deal, next.step);
      this.scheduleNextStep(deal);
    });
  }

  private runStep(deal: Deal, step: Step): void {
    const stream = `deal-${deal.id}`;
    const keys = [stream];
    switch (step.kind) {
      case 'advance':
        this.emit('AdvanceDeal', { dealId: deal.id, stage: step.stage }, stream, keys);
        return;
      case 'revise': {
        const valueMinor = Math.max(100, Math.round((deal.valueMinor * step.factor) / 10_000)) * 10_000;
        if (valueMinor === deal.valueMinor) return;
        deal.valueMinor = valueMinor;
        this.emit(
          'ReviseDealValue',
          { dealId: deal.id, value: valueMinor, reason: this.rng.pick(VALUE_REVISION_REASONS) },
          stream,
          keys,
        );
        return;
      }
      case 'reschedule':
        this.emit('RescheduleDeal', { dealId: deal.id, expectedCloseDate: step.date }, stream, keys);
        return;
      case 'competitor':
        if (deal.competitors.includes(step.name)) return;
        deal.competitors.push(step.name);
        this.emit('RecordCompetitor', { dealId: deal.id, competitor: step.name }, stream, keys);
        return;
      case 'channel': {
        const channel = this.rng.pick(SALES_CHANNELS.filter((c) => c !== deal.channel));
        deal.channel = channel;
        this.emit('ChangeDealChannel', { dealId: deal.id, channel }, stream, keys);
        return;
      }
      case 'reassign': {
        const owner = this.reps.get(deal.repId)!;
        const teammates = this.activeReps(owner.teamId).filter((r) => r.id !== owner.id);
        if (teammates.length === 0) return;
        const to = this.rng.pick(teammates);
        owner.openDeals.delete(deal.id);
        to.openDeals.add(deal.id);
        deal.repId = to.id;
        this.emit('ReassignDeal', { dealId: deal.id, repId: to.id }, stream, [stream, `rep-${to.id}`]);
        return;
      }
      case 'win': {
        this.close(deal);
        this.counts.dealsWon++;
        const year = new Date(this.now).getUTCFullYear();
        const contractNumber = `KAM/${year}/${String(++this.contractSeq).padStart(6, '0')}`;
        deal.wonValueMinor = step.discount
          ? Math.round((deal.valueMinor * 0.95) / 100) * 100
          : deal.valueMinor;
        this.emit(
          'WinDeal',
          { dealId: deal.id, wonValue: step.discount ? deal.wonValueMinor : null, contractNumber },
          stream,
          keys,
        );
        return;
      }
      case 'lose':
        this.close(deal);
        this.counts.dealsLost++;
        this.emit(
          'LoseDeal',
          { dealId: deal.id, reason: step.reason, competitor: step.competitor },
          stream,
          keys,
        );
        return;
      case 'fulfil': {
        const left = deal.wonValueMinor - deal.fulfilledMinor;
        const amount = step.last ? left : Math.min(left, Math.round(deal.wonValueMinor * step.share));
        if (amount <= 0) return;
        deal.fulfilledMinor += amount;
        this.emit(
          'RecordFulfilment',
          { dealId: deal.id, amount, note: step.last ? 'Final delivery' : 'Partial delivery' },
          stream,
          keys,
        );
        return;
      }
    }
  }

  private close(deal: Deal): void {
    deal.closed = true;
    this.reps.get(deal.repId)?.openDeals.delete(deal.id);
  }

  // -------------------------------------------------------------- training

  private scheduleTraining(team: Team): void {
    const skill = this.rng.pick(SKILLS);
    const sessionId = this.ids.uuid();
    const stream = `training-${sessionId}`;
    const scheduledAt =
      dayStart(this.now + (7 + this.rng.int(0, 14)) * DAY_MS) + (this.rng.chance(0.5) ? 9 : 13) * HOUR_MS;
    const durationMinutes = this.rng.int(2, 16) * 30;
    this.counts.trainingsScheduled++;
    this.emit(
      'ScheduleTraining',
      {
        sessionId,
        title: this.rng.pick(TRAINING_TITLES[skill]),
        skill,
        trainerId: team.supervisorId,
        scheduledAt: new Date(scheduledAt).toISOString(),
        durationMinutes,
      },
      stream,
      [stream],
    );
    const enrolled: Rep[] = [];
    let cancelled = false;
    this.schedule(this.now + this.rng.int(1, 4) * DAY_MS, () => {
      if (cancelled) return;
      const members = this.activeReps(team.id);
      this.shuffle(members);
      enrolled.push(...members.slice(0, Math.min(members.length, this.rng.int(3, 8))));
      if (enrolled.length === 0) return;
      this.emit('EnrollInTraining', { sessionId, repIds: enrolled.map((r) => r.id) }, stream, [
        stream,
        ...enrolled.map((r) => `rep-${r.id}`),
      ]);
    });
    if (this.rng.chance(0.06)) {
      this.schedule(scheduledAt - this.rng.int(1, 3) * DAY_MS, () => {
        cancelled = true;
        this.counts.trainingsCancelled++;
        this.emit('CancelTraining', { sessionId, reason: this.rng.pick(CANCEL_REASONS) }, stream, [stream]);
      });
      return;
    }
    const endsAt = scheduledAt + durationMinutes * MINUTE_MS;
    this.schedule(endsAt + 30 * MINUTE_MS, () => {
      for (const rep of enrolled) {
        // A rep who left in the meantime did not come.
        const attended = rep.active && this.rng.chance(0.86);
        const score = attended ? Math.max(0, Math.min(100, Math.round(this.rng.normal(76, 12)))) : null;
        if (attended) rep.trainingBoost = Math.min(0.1, rep.trainingBoost + 0.012);
        this.emit('RecordAttendance', { sessionId, repId: rep.id, attended, score }, stream, [stream]);
      }
    });
    this.schedule(endsAt + 90 * MINUTE_MS, () => {
      this.counts.trainingsCompleted++;
      this.emit('CompleteTraining', { sessionId }, stream, [stream]);
    });
  }

  // ----------------------------------------------------------------- time

  /** Moves an instant into office hours (08:00–18:00 UTC, Monday–Friday), never earlier. */
  private workTime(ms: number): number {
    let day = dayStart(ms);
    let offset = ms - day;
    if (offset < 8 * HOUR_MS) offset = 8 * HOUR_MS + this.rng.float() * 2 * HOUR_MS;
    if (offset >= 18 * HOUR_MS) {
      day += DAY_MS;
      offset = 8 * HOUR_MS + this.rng.float() * 2 * HOUR_MS;
    }
    const weekday = new Date(day).getUTCDay();
    if (weekday === 6) day += 2 * DAY_MS;
    else if (weekday === 0) day += DAY_MS;
    return Math.round(day + offset);
  }

  private shuffle<T>(items: T[]): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.rng.int(0, i);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
  }
}
