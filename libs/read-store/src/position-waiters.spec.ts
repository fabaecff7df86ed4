import { BadUserInputError, StaleReadModelError } from '@kam/kernel';
import { PositionWaiters } from './position-waiters';

describe('PositionWaiters', () => {
  it('resolves a wait once every checkpoint has reached the position, and at once when they already have', async () => {
    const checkpoints: Array<string | null> = ['5', null];
    const waiting = new PositionWaiters({ checkpoints: () => checkpoints, poll: () => undefined, pollMs: 5 });
    let done = false;
    const wait = waiting.wait('7', 1000).then(() => (done = true));
    checkpoints[1] = '9';
    waiting.check();
    await Promise.resolve();
    expect(done).toBe(false);
    checkpoints[0] = '7';
    waiting.check();
    await wait;
    expect(done).toBe(true);
    await expect(waiting.wait('6', 1000)).resolves.toBeUndefined();
  });

  it('rejects after the timeout with the lowest checkpoint, and refuses what is not a position', async () => {
    const waiting = new PositionWaiters({ checkpoints: () => ['4', '3'], poll: () => undefined, pollMs: 5 });
    const stale = waiting.wait('8', 20);
    await expect(stale).rejects.toBeInstanceOf(StaleReadModelError);
    await expect(stale).rejects.toMatchObject({ wanted: '8', reached: '3' });
    await expect(waiting.wait('not a position', 20)).rejects.toBeInstanceOf(BadUserInputError);
    expect(waiting.lowest()).toBe('3');
  });

  it('polls checkpoints written elsewhere while someone waits, and rejects every wait on rejectAll', async () => {
    let stored = '1';
    let polls = 0;
    const waiting = new PositionWaiters({
      checkpoints: () => [stored],
      poll: () => {
        polls += 1;
        return Promise.resolve().then(() => {
          if (polls === 3) stored = '10';
        });
      },
      pollMs: 5,
    });
    await waiting.wait('10', 1000);
    expect(polls).toBe(3);
    const pending = waiting.wait('99', 1000);
    waiting.rejectAll();
    await expect(pending).rejects.toBeInstanceOf(StaleReadModelError);
    const before = polls;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(polls).toBe(before);
  });
});
