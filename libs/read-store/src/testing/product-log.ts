/**
 * A synthetic but consistent history of a sales organisation, shaped like the product's log
 * (teams, reps with monthly quotas, accounts, deals that move through stages and are won or lost,
 * fulfilments, training sessions with enrolments and attendance), for benchmarks of the read side.
 * Every event respects the domain rules the projections rely on (a deal event names an opened
 * deal, `fromStage` is the current stage, …), so nothing is parked. Deterministic for a seed.
 *
 * `writeProductLog` inserts straight into an SQLite event-store file (one transaction per 20 000
 * rows), which is ~50x faster than appending through the port; `ProductSimulation.next()` gives
 * the following events one at a time, for live appends after the bulk load.
 */
import Database from 'better-sqlite3';
import { mulberry32, type EventMetadata } from '@kam/kernel';
import { testMetadata } from '@kam/kernel/testing';
import { SQLITE_EVENT_INSERT_SQL, applySqlitePragmas, migrateSqliteEventStore } from '@kam/event-store';

export interface GeneratedEvent {
  id: string;
  streamId: string;
  /** 0-based revision in its stream. */
  revision: number;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

const CHANNELS = ['FIELD', 'INSIDE', 'ONLINE', 'PARTNER', 'TENDER'] as const;
const OPEN_STAGES = ['PROSPECTING', 'QUALIFICATION', 'PROPOSAL', 'NEGOTIATION'] as const;
const LOSS_REASONS = ['PRICE', 'PRODUCT_FIT', 'COMPETITOR', 'TIMING', 'NO_DECISION', 'OTHER'] as const;
const SKILLS = ['NEGOTIATION', 'PRODUCT_KNOWLEDGE', 'COMMUNICATION', 'PROSPECTING', 'KEY_ACCOUNT_PLANNING', 'STRESS_RESILIENCE'] as const;
const COMPETITORS = ['Rival', 'Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark'];
const INDUSTRIES = ['Retail', 'Energy', 'Health', 'Logistics', 'Banking', 'Public', null];
const DAY_MS = 86_400_000;

interface Team {
  id: string;
  supervisorId: string;
  name: string;
}
interface Rep {
  id: string;
  teamId: string;
  channel: (typeof CHANNELS)[number];
  active: boolean;
  openDeals: Set<string>;
}
interface Account {
  id: string;
  ownerRepId: string;
}
interface Deal {
  id: string;
  repId: string;
  stage: (typeof OPEN_STAGES)[number];
  valueMinor: number;
  channel: (typeof CHANNELS)[number];
  expectedCloseDate: string;
  competitors: number;
}
interface WonDeal {
  id: string;
  wonMinor: number;
  fulfilledMinor: number;
}
interface Session {
  id: string;
  scheduledAt: number;
  enrolled: string[];
  attended: number;
}

export interface ProductSimulationOptions {
  seed?: number;
  /** Events the history is sized for (entity counts scale with it); default 1 000 000. */
  plannedEvents?: number;
  /** Business time of the first event; default 2023-01-02. */
  start?: Date;
  /** Business days the planned events span; default 3 years. */
  spanDays?: number;
}

export class ProductSimulation {
  private readonly random: () => number;
  private readonly queue: GeneratedEvent[] = [];
  private readonly revisions = new Map<string, number>();
  private readonly teams: Team[] = [];
  private readonly reps: Rep[] = [];
  private readonly repsById = new Map<string, Rep>();
  private readonly activeReps: Rep[] = [];
  private readonly accounts: Account[] = [];
  private readonly openDeals: Deal[] = [];
  private readonly openDealIndex = new Map<string, number>();
  private readonly wonDeals: WonDeal[] = [];
  private readonly sessions: Session[] = [];
  private readonly targetReps: number;
  private readonly openDealsPerRep = 6;
  private readonly msPerEvent: number;
  private clock: number;
  private month = -1;
  private ids = 0;
  private emitted = 0;

  constructor(options: ProductSimulationOptions = {}) {
    this.random = mulberry32(options.seed ?? 42);
    const planned = options.plannedEvents ?? 1_000_000;
    this.targetReps = Math.max(12, Math.round(planned / 2500));
    this.clock = (options.start ?? new Date('2023-01-02T08:00:00.000Z')).getTime();
    this.msPerEvent = ((options.spanDays ?? 3 * 365) * DAY_MS) / planned;
    this.bootstrap();
  }

  /** Business time reached. */
  get now(): Date {
    return new Date(this.clock);
  }

  get count(): number {
    return this.emitted;
  }

  next(): GeneratedEvent {
    while (this.queue.length === 0) this.step();
    this.emitted += 1;
    return this.queue.shift()!;
  }

  private bootstrap(): void {
    const teams = Math.max(2, Math.round(this.targetReps / 14));
    for (let i = 0; i < teams; i++) this.formTeam();
    for (let i = 0; i < this.targetReps; i++) this.hire(this.pick(this.teams));
    for (const rep of this.reps) for (let i = 0; i < 4; i++) this.registerAccount(rep);
  }

  /** One business action, which queues one or more events. */
  private step(): void {
    this.clock += Math.round(this.msPerEvent * (0.5 + this.random()));
    const month = monthOf(this.clock);
    if (month !== this.month) {
      this.month = month;
      for (const rep of this.activeReps) this.setQuota(rep);
      return;
    }
    const r = this.random();
    if (this.openDeals.length < this.activeReps.length * this.openDealsPerRep && r < 0.16) return this.openDeal();
    if (r < 0.8 && this.openDeals.length > 0) return this.progressDeal(this.openDeals[Math.floor(this.random() * this.openDeals.length)]!);
    if (r < 0.87 && this.wonDeals.length > 0) return this.fulfil();
    if (r < 0.935) return this.training();
    if (r < 0.945) return this.registerAccount(this.pick(this.activeReps));
    if (r < 0.95) return this.reassignAccount();
    if (r < 0.955) return this.transferRep();
    if (r < 0.958) return this.changeRepChannel();
    if (r < 0.9585) return this.churnRep();
    if (r < 0.96) return this.changeTeam();
    if (this.openDeals.length > 0) this.reassignDeal(this.openDeals[Math.floor(this.random() * this.openDeals.length)]!);
  }

  private formTeam(): void {
    const team: Team = { id: this.id(), supervisorId: `sup-${this.id().slice(0, 8)}`, name: `Team ${this.teams.length + 1}` };
    this.teams.push(team);
    this.emit('team', team.id, 'TeamFormed', { teamId: team.id, name: team.name, supervisorId: team.supervisorId });
  }

  private changeTeam(): void {
    const team = this.pick(this.teams);
    if (this.random() < 0.5) {
      team.name = `${team.name.split(' ·')[0]} · ${this.ids}`;
      this.emit('team', team.id, 'TeamRenamed', { teamId: team.id, name: team.name });
    } else {
      const previous = team.supervisorId;
      team.supervisorId = `sup-${this.id().slice(0, 8)}`;
      this.emit('team', team.id, 'TeamSupervisorChanged', { teamId: team.id, supervisorId: team.supervisorId, previousSupervisorId: previous });
    }
  }

  private hire(team: Team): Rep {
    const rep: Rep = { id: this.id(), teamId: team.id, channel: this.pick(CHANNELS), active: true, openDeals: new Set() };
    this.reps.push(rep);
    this.repsById.set(rep.id, rep);
    this.activeReps.push(rep);
    const n = this.reps.length;
    this.emit('rep', rep.id, 'RepHired', { repId: rep.id, name: `Rep ${n}`, email: `rep${n}@example.com`, teamId: team.id, channel: rep.channel });
    if (this.month >= 0) this.setQuota(rep);
    return rep;
  }

  private setQuota(rep: Rep): void {
    this.emit('rep', rep.id, 'RepQuotaSet', { repId: rep.id, month: monthLabel(this.clock), amountMinor: 5_000_000 + Math.floor(this.random() * 50) * 100_000 });
  }

  private transferRep(): void {
    const rep = this.pick(this.activeReps);
    const team = this.pick(this.teams);
    if (team.id === rep.teamId) return;
    const from = rep.teamId;
    rep.teamId = team.id;
    this.emit('rep', rep.id, 'RepTransferred', { repId: rep.id, fromTeamId: from, teamId: team.id });
  }

  private changeRepChannel(): void {
    const rep = this.pick(this.activeReps);
    const channel = this.pick(CHANNELS);
    if (channel === rep.channel) return;
    this.emit('rep', rep.id, 'RepChannelChanged', { repId: rep.id, fromChannel: rep.channel, channel, reason: this.random() < 0.5 ? 'territory change' : null });
    rep.channel = channel;
  }

  /** Offboards a rep (open deals and accounts go to a colleague of the team) and hires a replacement. */
  private churnRep(): void {
    if (this.activeReps.length < 4) return;
    const rep = this.pick(this.activeReps);
    const colleague = this.activeReps.find((r) => r !== rep && r.teamId === rep.teamId) ?? this.activeReps.find((r) => r !== rep)!;
    for (const dealId of [...rep.openDeals]) {
      const deal = this.openDeals[this.openDealIndex.get(dealId)!]!;
      this.moveDeal(deal, colleague);
    }
    for (const account of this.accounts) {
      if (account.ownerRepId !== rep.id) continue;
      this.emit('account', account.id, 'AccountReassigned', { accountId: account.id, fromRepId: rep.id, ownerRepId: colleague.id });
      account.ownerRepId = colleague.id;
    }
    rep.active = false;
    this.activeReps.splice(this.activeReps.indexOf(rep), 1);
    this.emit('rep', rep.id, 'RepOffboarded', { repId: rep.id, reassignOpenDealsTo: colleague.id });
    this.hire(this.teams.find((t) => t.id === rep.teamId) ?? this.pick(this.teams));
  }

  private registerAccount(owner: Rep): void {
    const account: Account = { id: this.id(), ownerRepId: owner.id };
    this.accounts.push(account);
    this.emit('account', account.id, 'AccountRegistered', {
      accountId: account.id,
      name: `Account ${this.accounts.length}`,
      taxId: this.random() < 0.7 ? `TX${Math.floor(this.random() * 1e9)}` : null,
      industry: this.pick(INDUSTRIES),
      ownerRepId: owner.id,
    });
  }

  private reassignAccount(): void {
    const account = this.pick(this.accounts);
    const to = this.pick(this.activeReps);
    if (to.id === account.ownerRepId) return;
    this.emit('account', account.id, 'AccountReassigned', { accountId: account.id, fromRepId: account.ownerRepId, ownerRepId: to.id });
    account.ownerRepId = to.id;
  }

  private openDeal(): void {
    const account = this.pick(this.accounts);
    const owner = this.repsById.get(account.ownerRepId);
    const rep = owner?.active ? owner : this.pick(this.activeReps);
    const deal: Deal = {
      id: this.id(),
      repId: rep.id,
      stage: 'PROSPECTING',
      valueMinor: (10 + Math.floor(this.random() * 2000)) * 10_000,
      channel: rep.channel,
      expectedCloseDate: dateOf(this.clock + (30 + Math.floor(this.random() * 150)) * DAY_MS),
      competitors: 0,
    };
    this.openDealIndex.set(deal.id, this.openDeals.length);
    this.openDeals.push(deal);
    rep.openDeals.add(deal.id);
    this.emit('deal', deal.id, 'DealOpened', {
      dealId: deal.id,
      accountId: account.id,
      repId: rep.id,
      title: `Deal ${this.ids}`,
      valueMinor: deal.valueMinor,
      channel: deal.channel,
      expectedCloseDate: deal.expectedCloseDate,
      stage: 'PROSPECTING',
    });
  }

  private progressDeal(deal: Deal): void {
    const r = this.random();
    const stageIndex = OPEN_STAGES.indexOf(deal.stage);
    if (r < 0.45 && stageIndex < OPEN_STAGES.length - 1) {
      const stage = OPEN_STAGES[stageIndex + 1]!;
      this.emit('deal', deal.id, 'DealStageChanged', { dealId: deal.id, fromStage: deal.stage, stage });
      deal.stage = stage;
    } else if (r < 0.55) {
      const valueMinor = Math.max(10_000, Math.round((deal.valueMinor * (0.8 + this.random() * 0.4)) / 100) * 100);
      this.emit('deal', deal.id, 'DealValueRevised', { dealId: deal.id, fromValueMinor: deal.valueMinor, valueMinor, reason: this.random() < 0.5 ? 'scope' : null });
      deal.valueMinor = valueMinor;
    } else if (r < 0.63) {
      const expectedCloseDate = dateOf(Date.parse(`${deal.expectedCloseDate}T00:00:00Z`) + (7 + Math.floor(this.random() * 60)) * DAY_MS);
      this.emit('deal', deal.id, 'DealRescheduled', { dealId: deal.id, fromExpectedCloseDate: deal.expectedCloseDate, expectedCloseDate });
      deal.expectedCloseDate = expectedCloseDate;
    } else if (r < 0.68 && deal.competitors < 3) {
      deal.competitors += 1;
      this.emit('deal', deal.id, 'CompetitorRecorded', { dealId: deal.id, competitor: this.pick(COMPETITORS) });
    } else if (r < 0.7) {
      const channel = this.pick(CHANNELS);
      if (channel === deal.channel) return;
      this.emit('deal', deal.id, 'DealChannelChanged', { dealId: deal.id, fromChannel: deal.channel, channel });
      deal.channel = channel;
    } else if (r < 0.85 && stageIndex >= 2) {
      const wonValueMinor = Math.round((deal.valueMinor * (0.85 + this.random() * 0.15)) / 100) * 100;
      this.emit('deal', deal.id, 'DealWon', { dealId: deal.id, fromStage: deal.stage, wonValueMinor, contractNumber: this.random() < 0.8 ? `C-${this.ids}` : null });
      this.closeDeal(deal);
      this.wonDeals.push({ id: deal.id, wonMinor: wonValueMinor, fulfilledMinor: 0 });
    } else if (r < 0.93) {
      const reason = this.pick(LOSS_REASONS);
      this.emit('deal', deal.id, 'DealLost', {
        dealId: deal.id,
        fromStage: deal.stage,
        reason,
        competitor: reason === 'COMPETITOR' ? this.pick(COMPETITORS) : null,
        valueMinor: deal.valueMinor,
      });
      this.closeDeal(deal);
    }
  }

  private reassignDeal(deal: Deal): void {
    const to = this.pick(this.activeReps);
    if (to.id !== deal.repId) this.moveDeal(deal, to);
  }

  private moveDeal(deal: Deal, to: Rep): void {
    this.emit('deal', deal.id, 'DealReassigned', { dealId: deal.id, fromRepId: deal.repId, repId: to.id });
    this.repsById.get(deal.repId)?.openDeals.delete(deal.id);
    deal.repId = to.id;
    to.openDeals.add(deal.id);
  }

  private closeDeal(deal: Deal): void {
    const index = this.openDealIndex.get(deal.id)!;
    const last = this.openDeals.pop()!;
    if (last !== deal) {
      this.openDeals[index] = last;
      this.openDealIndex.set(last.id, index);
    }
    this.openDealIndex.delete(deal.id);
    this.repsById.get(deal.repId)?.openDeals.delete(deal.id);
  }

  private fulfil(): void {
    const index = Math.floor(this.random() * this.wonDeals.length);
    const deal = this.wonDeals[index]!;
    const rest = deal.wonMinor - deal.fulfilledMinor;
    const amountMinor = rest <= 100 || this.random() < 0.4 ? rest : Math.round((rest * (0.2 + this.random() * 0.5)) / 100) * 100;
    deal.fulfilledMinor += amountMinor;
    this.emit('deal', deal.id, 'FulfilmentRecorded', { dealId: deal.id, amountMinor, cumulativeMinor: deal.fulfilledMinor, note: null });
    if (deal.fulfilledMinor >= deal.wonMinor) {
      const last = this.wonDeals.pop()!;
      if (last !== deal) this.wonDeals[index] = last;
    }
  }

  private training(): void {
    const due = this.sessions.find((s) => s.scheduledAt <= this.clock);
    if (due) {
      if (due.attended < due.enrolled.length) {
        const repId = due.enrolled[due.attended++]!;
        const attended = this.random() < 0.85;
        this.emit('training', due.id, 'AttendanceRecorded', { sessionId: due.id, repId, attended, score: attended ? Math.floor(this.random() * 101) : null });
        return;
      }
      this.sessions.splice(this.sessions.indexOf(due), 1);
      this.emit('training', due.id, 'TrainingCompleted', { sessionId: due.id });
      return;
    }
    const open = this.sessions[this.sessions.length - 1];
    if (open && open.enrolled.length < 10 && this.random() < 0.85) {
      const rep = this.pick(this.activeReps);
      if (open.enrolled.includes(rep.id)) return;
      open.enrolled.push(rep.id);
      this.emit('training', open.id, 'RepEnrolled', { sessionId: open.id, repId: rep.id });
      return;
    }
    if (open && this.random() < 0.05) {
      this.sessions.pop();
      this.emit('training', open.id, 'TrainingCancelled', { sessionId: open.id, reason: 'trainer unavailable' });
      return;
    }
    const session: Session = { id: this.id(), scheduledAt: this.clock + (3 + Math.floor(this.random() * 20)) * DAY_MS, enrolled: [], attended: 0 };
    this.sessions.push(session);
    this.emit('training', session.id, 'TrainingScheduled', {
      sessionId: session.id,
      title: `${this.pick(SKILLS).toLowerCase().replace(/_/g, ' ')} workshop`,
      skill: this.pick(SKILLS),
      trainerId: this.pick(this.teams).supervisorId,
      scheduledAt: new Date(session.scheduledAt).toISOString(),
      durationMinutes: 60 + 30 * Math.floor(this.random() * 6),
    });
  }

  private emit(category: string, id: string, type: string, data: Record<string, unknown>): void {
    const streamId = `${category}-${id}`;
    const revision = (this.revisions.get(streamId) ?? -1) + 1;
    this.revisions.set(streamId, revision);
    const commandId = this.id();
    this.queue.push({
      id: this.id(),
      streamId,
      revision,
      type,
      data,
      metadata: testMetadata('bench', new Date(this.clock).toISOString(), commandId),
    });
  }

  private id(): string {
    this.ids += 1;
    const hex = (n: number) => Math.floor(this.random() * 16 ** n).toString(16).padStart(n, '0');
    return `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(6)}${(this.ids % 16 ** 6).toString(16).padStart(6, '0')}`;
  }

  private pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)]!;
  }
}

/**
 * Writes `count` events of a fresh simulation into an SQLite event-store file (created or
 * appended to). Returns the simulation, positioned after the last event written.
 */
export function writeProductLog(file: string, count: number, options: ProductSimulationOptions = {}): ProductSimulation {
  const simulation = new ProductSimulation({ plannedEvents: count, ...options });
  const db = new Database(file);
  try {
    applySqlitePragmas(db, 'NORMAL');
    migrateSqliteEventStore(db);
    const insert = db.prepare(SQLITE_EVENT_INSERT_SQL);
    const recordedAt = Date.now() - count;
    const chunk = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const e = simulation.next();
        insert.run(e.id, e.streamId, e.revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), recordedAt + i);
      }
    });
    for (let i = 0; i < count; i += 20_000) chunk.immediate(i, Math.min(count, i + 20_000));
  } finally {
    db.close();
  }
  return simulation;
}

function monthOf(ms: number): number {
  const d = new Date(ms);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

function monthLabel(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

function dateOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
