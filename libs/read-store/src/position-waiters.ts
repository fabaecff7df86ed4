import { BadUserInputError, StaleReadModelError } from '@kam/kernel';
import { isPosition } from '@kam/event-store';
import { comparePositionsFast } from './positions';

interface Waiter {
  position: string;
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export interface PositionWaitersOptions {
  /** The committed checkpoint of every projection; null for one that has none (never reached). */
  checkpoints(): Iterable<string | null>;
  /**
   * Called every `pollMs` while someone waits: re-reads checkpoints that another process or
   * thread writes, or returns undefined when there is nothing to re-read this time. Waiters are
   * checked after it resolves; a failure is ignored until the next tick.
   */
  poll(): Promise<void> | undefined;
  pollMs: number;
}

/**
 * The read-your-writes waits behind `atLeastPosition` (product.md §4): a wait resolves once every
 * projection's checkpoint is at or past the position, and rejects with StaleReadModelError after
 * its timeout. Shared by the in-thread engine and the worker-thread stand-in.
 */
export class PositionWaiters {
  private readonly waiters = new Set<Waiter>();
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PositionWaitersOptions) {}

  wait(position: string, timeoutMs: number): Promise<void> {
    if (!isPosition(position)) {
      return Promise.reject(new BadUserInputError([{ field: 'atLeastPosition', message: 'is not a log position' }]));
    }
    if (this.reached(position)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        position,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new StaleReadModelError(position, this.lowest()));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
      this.ensurePolling();
    });
  }

  /** Releases the waiters whose position every projection has reached. */
  check(): void {
    if (this.waiters.size === 0) return;
    for (const waiter of this.waiters) {
      if (this.reached(waiter.position)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
    if (this.waiters.size === 0) this.stopPolling();
  }

  /** Every wait fails now (shutdown). */
  rejectAll(): void {
    this.stopPolling();
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(new StaleReadModelError(waiter.position, this.lowest()));
    }
    this.waiters.clear();
  }

  /** The lowest checkpoint of all projections; null when one has none. */
  lowest(): string | null {
    let lowest: string | null = null;
    for (const checkpoint of this.options.checkpoints()) {
      if (checkpoint === null) return null;
      if (lowest === null || comparePositionsFast(checkpoint, lowest) < 0) lowest = checkpoint;
    }
    return lowest;
  }

  private reached(position: string): boolean {
    for (const checkpoint of this.options.checkpoints()) {
      if (checkpoint === null || comparePositionsFast(checkpoint, position) < 0) return false;
    }
    return true;
  }

  private stopPolling(): void {
    if (!this.pollTimer) return;
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  private ensurePolling(): void {
    if (this.pollTimer) return;
    let busy = false;
    this.pollTimer = setInterval(() => {
      if (busy) return;
      const polled = this.options.poll();
      if (!polled) return;
      busy = true;
      polled
        .then(() => this.check())
        .catch(() => undefined)
        .finally(() => {
          busy = false;
        });
    }, this.options.pollMs);
    this.pollTimer.unref();
  }
}
