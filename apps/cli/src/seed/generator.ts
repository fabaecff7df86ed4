import type { CommandBus } from '@nestjs/cqrs';
import type { CommandResult, EventStore } from '@kam/event-store';
import { StaleReadModelError } from '@kam/kernel';
import type { ProjectionControl } from '@kam/read-store';
import { Simulation, type SimulationCounts, type SimulationOptions, type TeamInfo } from './simulation';
import { BARRIER, toBusCommand, type SeedCommand } from './seed-command';

export { startOfTodayUtc } from './simulation';
export type { TeamInfo } from './simulation';

export interface SeedOptions extends SimulationOptions {
  /**
   * Commands in flight at once (default 1). Commands on different streams may overlap; commands
   * sharing a stream (written or read for a cross-aggregate fact) keep their order, and an
   * offboarding (which reads across the log) runs alone.
   */
  concurrency?: number;
  /** Token `sub` recorded as the events' actor (default 'seed'). */
  actor?: string;
  /** Called with each command after it ran, with its result (tests use it). */
  onCommand?: (command: SeedCommand, result: CommandResult) => void;
  /**
   * Awaited before a command that reads across the log (offboarding asks the deals read model for
   * the rep's open deals, after it caught up with the log head): the caller lets its projections
   * catch up here, so the handler's own wait does not time out.
   */
  beforeBarrier?: () => Promise<void>;
}

export interface SeedProgress {
  commands: number;
  events: number;
  /** Estimate, revised upwards when the run goes past it. */
  estimatedEvents: number;
  /** Business time reached, ISO-8601. */
  businessTime: string;
}

export interface SeedSummary extends SimulationCounts {
  teamList: TeamInfo[];
  dealsOpen: number;
  commands: number;
  /** Events written, counted from the revisions the commands returned (and the deals offboardings moved). */
  events: number;
  elapsedMs: number;
  eventsPerSecond: number;
  concurrency: number;
  from: string;
  to: string;
}

/** A command that failed, with enough context to find it in the generator. */
export class SeedCommandFailed extends Error {
  constructor(
    readonly command: SeedCommand,
    override readonly cause: unknown,
  ) {
    super(
      `${command.type} on ${command.stream} at ${new Date(command.at).toISOString()} failed: ` +
        (cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)),
    );
    this.name = 'SeedCommandFailed';
  }
}

/**
 * Generates the history of a sales organisation (see Simulation) and executes it through the real
 * command handlers on the given CommandBus, in business-time order, as an ADMIN history import
 * (`occurredAt` set, `actor` 'seed', command ids drawn from the seed). Deterministic for a seed
 * and end date; with `concurrency` 1 even the global order of the log is.
 */
export async function seedOrganisation(
  commandBus: CommandBus,
  options: SeedOptions,
  onProgress?: (progress: SeedProgress) => void,
): Promise<SeedSummary> {
  const simulation = new Simulation(options);
  const actor = options.actor ?? 'seed';
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const revisions = new Map<string, number>();
  let estimatedEvents = simulation.estimatedEvents();
  let commands = 0;
  let events = 0;
  let businessTime = simulation.start;
  const started = performance.now();
  let lastReport = 0;

  const report = (force: boolean): void => {
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - lastReport < 100) return;
    lastReport = now;
    if (events > estimatedEvents) estimatedEvents = Math.round(events * 1.05);
    onProgress({ commands, events, estimatedEvents, businessTime: new Date(businessTime).toISOString() });
  };

  const execute = async (command: SeedCommand): Promise<void> => {
    let result: CommandResult;
    if (command.keys[0] === BARRIER) await options.beforeBarrier?.();
    try {
      result = await commandBus.execute(toBusCommand(command, actor));
    } catch (error) {
      throw new SeedCommandFailed(command, error);
    }
    // Events written = how far the stream's revision moved, plus one per deal an offboarding moved.
    const before = revisions.get(command.stream) ?? -1;
    events += Math.max(0, result.revision - before);
    revisions.set(command.stream, result.revision);
    for (const side of command.sideStreams ?? []) {
      events++;
      revisions.set(side, (revisions.get(side) ?? -1) + 1);
    }
    commands++;
    if (command.at > businessTime) businessTime = command.at;
    options.onCommand?.(command, result);
    if ((commands & 63) === 0) report(false);
  };

  if (concurrency === 1) {
    for (let command = simulation.next(); command; command = simulation.next()) await execute(command);
  } else {
    await runKeyed(() => simulation.next(), execute, concurrency);
  }
  report(true);

  const elapsedMs = performance.now() - started;
  return {
    ...simulation.counts,
    teamList: simulation.teamInfo(),
    dealsOpen: simulation.openDeals(),
    commands,
    events,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond: Math.round(events / Math.max(elapsedMs / 1000, 1e-3)),
    concurrency,
    from: new Date(simulation.start).toISOString(),
    to: new Date(businessTime).toISOString(),
  };
}

/**
 * Waits until the read models have projected the log up to its head as it is now, in 5 s steps
 * while they make progress. `start`: run the engine for it (if it is not running), and with
 * `stopAfter` stop it again — a big catch-up is far cheaper than projecting event by event while
 * seeding. Without `start`, whoever projects (this process's engine or apps/projector) is awaited.
 */
export async function catchUpReadModels(
  engine: Pick<ProjectionControl, 'start' | 'stop' | 'waitForPosition'>,
  store: EventStore,
  options: { start?: boolean; stopAfter?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const head = await store.headPosition();
  if (head === undefined) return;
  const start = options.start ?? true;
  if (start) await engine.start();
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  try {
    for (;;) {
      try {
        await engine.waitForPosition(head, 5000);
        return;
      } catch (error) {
        if (!(error instanceof StaleReadModelError) || Date.now() > deadline) throw error;
      }
    }
  } finally {
    if (start && options.stopAfter) await engine.stop();
  }
}

/**
 * Runs commands with up to `concurrency` in flight, in arrival order per key: a command starts
 * only when none of its keys is held by a running command or claimed by an earlier waiting one.
 * A `[BARRIER]` command waits for everything before it and holds back everything after it.
 */
export async function runKeyed(
  next: () => SeedCommand | undefined,
  execute: (command: SeedCommand) => Promise<void>,
  concurrency: number,
): Promise<void> {
  // A short look-ahead is enough to find independent work; a long one only costs scanning.
  const window = concurrency * 4;
  const waiting: SeedCommand[] = [];
  const busy = new Map<string, number>();
  let running = 0;
  let exhausted = false;

  await new Promise<void>((resolve, reject) => {
    let failed = false;
    const release = (command: SeedCommand): void => {
      running--;
      for (const key of command.keys) {
        const n = busy.get(key)! - 1;
        if (n === 0) busy.delete(key);
        else busy.set(key, n);
      }
    };
    const start = (command: SeedCommand): void => {
      running++;
      for (const key of command.keys) busy.set(key, (busy.get(key) ?? 0) + 1);
      execute(command).then(
        () => {
          release(command);
          pump();
        },
        (error: unknown) => {
          failed = true;
          reject(error);
        },
      );
    };
    const pump = (): void => {
      if (failed) return;
      while (!exhausted && waiting.length < window) {
        const command = next();
        if (!command) exhausted = true;
        else waiting.push(command);
      }
      const claimed = new Set<string>();
      for (let i = 0; i < waiting.length && running < concurrency;) {
        const command = waiting[i]!;
        if (command.keys[0] === BARRIER) {
          if (i === 0 && running === 0) {
            waiting.shift();
            start(command);
          }
          break;
        }
        if (command.keys.every((k) => !busy.has(k) && !claimed.has(k)) && !busy.has(BARRIER)) {
          waiting.splice(i, 1);
          start(command);
        } else {
          for (const k of command.keys) claimed.add(k);
          i++;
        }
      }
      if (exhausted && waiting.length === 0 && running === 0) resolve();
    };
    pump();
  });
}
