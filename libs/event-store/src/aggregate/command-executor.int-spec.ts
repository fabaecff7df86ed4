import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConflictError, type Decider } from '@kam/kernel';
import { testMetadata } from '@kam/kernel/testing';
import type { ReadStreamOptions } from '../event-store.port';
import { openSqliteEventStore, type SqliteEventStore } from '../sqlite/sqlite-event-store';
import { CommandExecutor } from './command-executor';

type CounterCommand = { type: 'Add'; amount: number };
type CounterEvent = { type: 'Added'; data: { amount: number } };
type CounterState = { total: number; adds: number };

const counter: Decider<CounterCommand, CounterState, CounterEvent> = {
  initialState: () => ({ total: 0, adds: 0 }),
  decide: (command) => (command.amount === 0 ? [] : [{ type: 'Added', data: { amount: command.amount } }]),
  evolve: (state, event) => ({ total: state.total + event.data.amount, adds: state.adds + 1 }),
};

const dir = mkdtempSync(join(tmpdir(), 'kam-executor-'));
let files = 0;
const opened: SqliteEventStore[] = [];

/** Two stores on one file: two writers (processes, instances) that only meet in the log. */
async function twoWriters(): Promise<[SqliteEventStore, SqliteEventStore]> {
  const file = join(dir, `events-${++files}.sqlite`);
  const a = await openSqliteEventStore({ file });
  const b = await openSqliteEventStore({ file });
  opened.push(a, b);
  return [a, b];
}

function add(executor: CommandExecutor, amount: number, envelope: { commandId?: string; expectedRevision?: number } = {}) {
  return executor.with(counter).execute({
    streamId: 'counter-1',
    aggregateId: '1',
    envelope: { actor: 'test', ...envelope },
    command: () => ({ type: 'Add', amount }),
  });
}

afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('CommandExecutor with its aggregate cache', () => {
  it('reads only the tail after a cached fold, and sees what another writer appended', async () => {
    const [a, b] = await twoWriters();
    const mine = new CommandExecutor(a);
    const theirs = new CommandExecutor(b);
    await add(mine, 1);
    await add(mine, 2);
    expect(await mine.with(counter).loadState('counter-1')).toEqual({ state: { total: 3, adds: 2 }, revision: 1 });

    await add(theirs, 10);
    const reads: Array<ReadStreamOptions | undefined> = [];
    const readStream = a.readStream.bind(a);
    jest.spyOn(a, 'readStream').mockImplementation((streamId, options) => {
      reads.push(options);
      return readStream(streamId, options);
    });
    expect(await mine.with(counter).loadState('counter-1')).toEqual({ state: { total: 13, adds: 3 }, revision: 2 });
    expect(reads).toEqual([{ fromRevision: 2 }]);
  });

  it('reads nothing for a cached fold the store vouches for, and reads again once another writer appended', async () => {
    const [a, b] = await twoWriters();
    const mine = new CommandExecutor(a);
    await add(mine, 1);
    expect((await mine.with(counter).loadState('counter-1')).revision).toBe(0);
    const reads: string[] = [];
    const readStream = a.readStream.bind(a);
    jest.spyOn(a, 'readStream').mockImplementation((streamId, options) => {
      reads.push(streamId);
      return readStream(streamId, options);
    });
    expect(await mine.with(counter).loadState('counter-1')).toEqual({ state: { total: 1, adds: 1 }, revision: 0 });
    expect(reads).toEqual([]);

    await add(new CommandExecutor(b), 5);
    expect(await mine.with(counter).loadState('counter-1')).toEqual({ state: { total: 6, adds: 2 }, revision: 1 });
    expect(reads).toEqual(['counter-1']);
  });

  it('reads the tail again after losing a race even if the store vouches for a stale head', async () => {
    const [a] = await twoWriters();
    const mine = new CommandExecutor(a);
    await add(mine, 1);
    await mine.with(counter).loadState('counter-1');
    // Simulates the window where the store still believes in revision 0 while revision 1 exists.
    await a.append('counter-1', [{ id: 'e-x', type: 'Added', data: { amount: 2 }, metadata: testMetadata('test', new Date().toISOString(), 'x') }], 0);
    jest.spyOn(a, 'knownRevision').mockReturnValue(0);
    await expect(add(mine, 4)).resolves.toMatchObject({ revision: 2 });
    jest.restoreAllMocks();
    expect((await mine.with(counter).loadState('counter-1')).state.total).toBe(7);
  });

  it('answers a retried command with its first result, even once the fold is cached and other commands followed', async () => {
    const [a, b] = await twoWriters();
    const mine = new CommandExecutor(a);
    const first = await add(mine, 5, { commandId: 'cmd-1' });
    await add(new CommandExecutor(b), 7, { commandId: 'cmd-2' });
    await add(mine, 1, { commandId: 'cmd-3' });

    const retried = await add(mine, 5, { commandId: 'cmd-1' });
    expect(retried).toEqual(first);
    // A retry of a command another writer ran is recognised too.
    const otherRetry = await add(mine, 7, { commandId: 'cmd-2' });
    expect(otherRetry.revision).toBe(1);
    expect(await a.readStream('counter-1')).toHaveLength(3);
  });

  it('reports CONFLICT with the actual revision when another writer moved the stream past a cached fold', async () => {
    const [a, b] = await twoWriters();
    const mine = new CommandExecutor(a);
    await add(mine, 1);
    expect((await mine.with(counter).loadState('counter-1')).revision).toBe(0);
    await add(new CommandExecutor(b), 1);

    const attempt = add(mine, 1, { expectedRevision: 0 });
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toMatchObject({ actualRevision: 1 });
    // Without a client revision it decides again on the fresh state and appends.
    await expect(add(mine, 1)).resolves.toMatchObject({ revision: 2 });
    expect((await mine.with(counter).loadState('counter-1')).state.total).toBe(3);
  });

  it('answers a command that changes nothing with the last event of the stream', async () => {
    const [a] = await twoWriters();
    const mine = new CommandExecutor(a);
    const written = await add(mine, 4);
    await expect(add(mine, 0)).resolves.toEqual({ id: '1', revision: 0, position: written.position });
  });

  it('stays exact with the cache off or smaller than the streams in use', async () => {
    const [a, b] = await twoWriters();
    for (const cacheSize of [0, 1]) {
      const mine = new CommandExecutor(a, { cacheSize });
      const other = mine.with(counter);
      await other.execute({ streamId: `other-${cacheSize}`, aggregateId: 'x', envelope: { actor: 't' }, command: () => ({ type: 'Add', amount: 1 }) });
      await add(new CommandExecutor(b), 2);
      const before = await a.readStream('counter-1');
      const total = before.reduce((sum, event) => sum + (event.data as { amount: number }).amount, 0);
      expect(await mine.with(counter).loadState('counter-1')).toEqual({
        state: { total, adds: before.length },
        revision: before.length - 1,
      });
      expect((await mine.with(counter).loadState(`other-${cacheSize}`)).state.total).toBe(1);
    }
  });

  it('gives a missing stream its initial state at revision -1', async () => {
    const [a] = await twoWriters();
    await expect(new CommandExecutor(a).with(counter).loadState('counter-none')).resolves.toEqual({
      state: { total: 0, adds: 0 },
      revision: -1,
    });
  });
});

describe('CommandExecutor with an id the server just made', () => {
  function open(executor: CommandExecutor, streamId: string, fresh: boolean) {
    return executor.with(counter).execute({
      streamId,
      aggregateId: streamId,
      fresh,
      envelope: { actor: 'test' },
      command: () => ({ type: 'Add', amount: 5 }),
    });
  }

  it('makes a UUIDv7 that is fresh only without a client id and a command id', () => {
    const made = CommandExecutor.newAggregate(undefined, undefined);
    expect(made.fresh).toBe(true);
    expect(made.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    expect(CommandExecutor.newAggregate('client-id', undefined)).toEqual({ id: 'client-id', fresh: false });
    const derived = CommandExecutor.newAggregate(null, 'command-1');
    expect(derived).toEqual({ id: CommandExecutor.newAggregate(undefined, 'command-1').id, fresh: false });
  });

  it('does not read the stream of a fresh id and appends it as a new stream', async () => {
    const [a] = await twoWriters();
    const executor = new CommandExecutor(a);
    const reads = jest.spyOn(a, 'readStream');
    const appends = jest.spyOn(a, 'append');
    const result = await open(executor, 'counter-fresh', true);
    expect(reads).not.toHaveBeenCalled();
    expect(appends.mock.calls[0]![2]).toBe('no_stream');
    expect(result.revision).toBe(0);
    expect(await executor.with(counter).loadState('counter-fresh')).toEqual({ state: { total: 5, adds: 1 }, revision: 0 });
  });

  it('reads the stream and decides on it after all when a "fresh" stream exists (another writer had the id)', async () => {
    const [a, b] = await twoWriters();
    await open(new CommandExecutor(b), 'counter-taken', false);
    const executor = new CommandExecutor(a);
    const reads = jest.spyOn(a, 'readStream');
    const result = await open(executor, 'counter-taken', true);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(result.revision).toBe(1);
    expect(await executor.with(counter).loadState('counter-taken')).toEqual({ state: { total: 10, adds: 2 }, revision: 1 });
  });
});
