import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openReadStore, type ProjectionControl } from '@kam/read-store';
import { READ_MODEL_ACCESS } from '@kam/reporting';
import { ThreadedProjections } from '../apps/api/src/read-side/projection-thread';
import { PROJECTION_ENGINE } from '../apps/api/src/read-side/read-side.module';
import { startTestApp, type TestApp } from './support/test-app';
import { run } from './support/write-side';

interface Health {
  readModels: { projecting: boolean; projections: Array<{ name: string; state: string; checkpoint: string | null; lastError: string | null }> };
}

async function health(app: TestApp): Promise<Health> {
  return (await (await fetch(`${app.url}/health`)).json()) as Health;
}

async function until(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The default: the projections run on a worker thread of the API (docs/adr/0007). */
describe('projections on a worker thread', () => {
  let app: TestApp;
  let engine: ProjectionControl;
  let closed = false;

  beforeEach(async () => {
    app = await startTestApp();
    engine = app.app.get<ProjectionControl>(PROJECTION_ENGINE);
    closed = false;
  });
  afterEach(async () => {
    if (!closed) await app?.close();
  });

  it('runs the engine on the worker, and a query with atLeastPosition reads its own write', async () => {
    expect(engine).toBeInstanceOf(ThreadedProjections);
    const teamId = randomUUID();
    const { position } = await run(app, 'formTeam', { teamId, name: 'North', supervisorId: 'kam-a' });
    const reply = await app.gql(`query($p: String) { teams(atLeastPosition: $p) { id name } }`, { p: position });
    expect(reply.errors).toBeUndefined();
    expect(reply.data.teams).toEqual([{ id: teamId, name: 'North' }]);
  });

  it('shows the worker\'s projections in /health and counts applied events in /metrics', async () => {
    const { position } = await run(app, 'formTeam', { teamId: randomUUID(), name: 'North', supervisorId: 'kam-a' });
    await engine.waitForPosition(position);
    const body = await health(app);
    expect(body.readModels.projecting).toBe(true);
    expect(body.readModels.projections.length).toBeGreaterThan(5);
    for (const p of body.readModels.projections) expect(p).toMatchObject({ state: 'running', checkpoint: position, lastError: null });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/kam_projection_events_total\{projection="teams"\} 1\b/);
  });

  it('restarts a worker that died, shows it in /health meanwhile, and projects what was written while it was down', async () => {
    const threaded = engine as ThreadedProjections;
    await run(app, 'formTeam', { teamId: randomUUID(), name: 'North', supervisorId: 'kam-a' });
    // Cut the thread short as a crash would (no stop, nothing committed by it afterwards).
    await (threaded as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    const during = await health(app);
    expect(during.readModels.projecting).toBe(false);
    expect(during.readModels.projections[0]).toMatchObject({ state: 'error', lastError: expect.stringMatching(/projection worker .*restarting/) });
    const teamId = randomUUID();
    const { position } = await run(app, 'formTeam', { teamId, name: 'South', supervisorId: 'kam-b' });
    const reply = await app.gql(`query($id: ID!, $p: String) { team(id: $id, atLeastPosition: $p) { name } }`, { id: teamId, p: position });
    expect(reply.errors).toBeUndefined();
    expect(reply.data.team).toEqual({ name: 'South' });
    await until(async () => (await health(app)).readModels.projections.every((p) => p.state === 'running'));
  });

  it('fails the start when the worker cannot start, and does not restart it behind the caller', async () => {
    const broken = new ThreadedProjections({
      config: app.config,
      store: app.store,
      readStore: app.app.get(READ_MODEL_ACCESS),
      entry: join(app.config.dataDir, 'no-such-projection-worker.js'),
      restartDelayMs: 10,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    });
    await expect(broken.start()).rejects.toThrow(/projection worker exited/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((broken as unknown as { worker: unknown }).worker).toBeUndefined();
    expect(broken.isActive).toBe(false);
    await broken.close();
  });

  it('commits the last batch at shutdown: the stored checkpoints are the log head', async () => {
    let position = '';
    // Written without waiting for the read models, so batches are still in flight at close.
    for (let i = 0; i < 20; i++) position = (await run(app, 'formTeam', { teamId: randomUUID(), name: `T${i}`, supervisorId: `kam-${i}` })).position;
    const dataDir = app.config.dataDir;
    await app.app.close();
    closed = true;
    const readStore = await openReadStore({ sqliteFile: join(dataDir, 'read-models.sqlite') });
    try {
      const states = await readStore.readStates();
      expect(states.length).toBeGreaterThan(5);
      for (const s of states) expect(s.checkpoint).toBe(position);
    } finally {
      await readStore.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('projections on the request thread (KAM_PROJECTIONS_THREAD=0)', () => {
  it('keeps the in-thread engine', async () => {
    const app = await startTestApp({ env: { KAM_PROJECTIONS_THREAD: '0' } });
    try {
      const engine = app.app.get<ProjectionControl>(PROJECTION_ENGINE);
      expect(engine).not.toBeInstanceOf(ThreadedProjections);
      const { position } = await run(app, 'formTeam', { teamId: randomUUID(), name: 'North', supervisorId: 'kam-a' });
      const reply = await app.gql(`query($p: String) { teams(atLeastPosition: $p) { name } }`, { p: position });
      expect(reply.data.teams).toEqual([{ name: 'North' }]);
    } finally {
      await app.close();
    }
  });
});
