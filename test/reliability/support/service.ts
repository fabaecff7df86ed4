import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { mintToken } from '@kam/auth';
import { httpRequest, postGraphql, sleep, type GqlResponse } from './http';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');
export const JWT_SECRET = 'reliability-suite-secret-at-least-32-bytes-long';

export function adminToken(): Promise<string> {
  return mintToken({ sub: 'reliability-admin', role: 'ADMIN' }, JWT_SECRET);
}

/** A port that was free a moment ago (the service binds it itself, with SO_REUSEADDR). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<ChildProcess>();

/** Kills every child still alive (afterAll of each spec, so a failed test leaves no process behind). */
export async function killAllChildren(): Promise<void> {
  for (const child of [...live]) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await sleep(50);
}

/**
 * A child process of this repository run through @swc-node/register, with its output kept (last
 * lines) for failure messages, and an exit promise.
 */
export class ChildRun {
  readonly child: ChildProcess;
  readonly exit: Promise<Exit>;
  private readonly lines: string[] = [];
  private readonly listeners = new Set<(line: string) => void>();

  constructor(script: string, args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, ['-r', '@swc-node/register', script, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'development', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(this.child);
    const collect = (chunk: Buffer): void => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
        for (const listener of this.listeners) listener(line);
      }
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.exit = new Promise<Exit>((resolveExit) => {
      this.child.on('exit', (code, signal) => {
        live.delete(this.child);
        resolveExit({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Last lines of stdout and stderr. */
  output(): string {
    return this.lines.join('\n');
  }

  /** Resolves with the first output line matching `pattern`; rejects if the process exits first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = this.lines.find((line) => pattern.test(line));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolveLine, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${this.output()}`));
      }, timeoutMs);
      const listener = (line: string): void => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolveLine(line);
      };
      this.listeners.add(listener);
      void this.exit.then((exit) => {
        if (!this.listeners.has(listener)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        reject(new Error(`process exited (${JSON.stringify(exit)}) before a line matching ${pattern}; output:\n${this.output()}`));
      });
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    if (this.running) this.child.kill(signal);
    return this.exit;
  }
}

export interface ServiceOptions {
  dataDir: string;
  port: number;
  /** Extra environment (EVENTSTORE_URL, KAM_RUN_PROJECTIONS, ...). */
  env?: Record<string, string>;
}

/**
 * The real API (`apps/api/src/main.ts`, what `npm start` runs) as a child process on the embedded
 * store, on 127.0.0.1 only.
 */
export class ServiceProcess {
  readonly url: string;
  readonly run: ChildRun;
  readonly startedAt = Date.now();

  private constructor(
    readonly options: ServiceOptions,
    readonly token: string,
  ) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.run = new ChildRun('apps/api/src/main.ts', [], {
      KAM_DATA_DIR: options.dataDir,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      AUTH_JWT_SECRET: JWT_SECRET,
      KAM_DEMO: '0',
      KAM_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'error',
      ...options.env,
    });
  }

  /** Spawns the service without waiting (to kill it during its startup). */
  static async spawn(options: ServiceOptions): Promise<ServiceProcess> {
    return new ServiceProcess(options, await adminToken());
  }

  /** Spawns the service and waits until it listens. */
  static async start(options: ServiceOptions, readyTimeoutMs = 60_000): Promise<ServiceProcess> {
    const service = await ServiceProcess.spawn(options);
    await service.ready(readyTimeoutMs);
    return service;
  }

  ready(timeoutMs = 60_000): Promise<string> {
    return this.run.waitForLine(/kam-ledger listening on/, timeoutMs);
  }

  get running(): boolean {
    return this.run.running;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<Exit> {
    return this.run.kill(signal);
  }

  gql<T = any>(query: string, variables?: Record<string, unknown>, timeoutMs?: number): Promise<GqlResponse<T>> {
    return postGraphql<T>(this.url, this.token, query, variables, timeoutMs);
  }

  async health(): Promise<{ status: number; body: HealthBody }> {
    const response = await httpRequest({ url: `${this.url}/health`, method: 'GET', timeoutMs: 10_000 });
    return { status: response.status, body: JSON.parse(response.text) as HealthBody };
  }

  /** `kam_projection_events_total` per projection (events applied by this process since it started). */
  async appliedByProjection(): Promise<Map<string, number>> {
    const response = await httpRequest({ url: `${this.url}/metrics`, method: 'GET', timeoutMs: 10_000 });
    const applied = new Map<string, number>();
    for (const match of response.text.matchAll(/^kam_projection_events_total\{projection="([^"]+)"\} (\d+)/gm)) {
      applied.set(match[1]!, Number(match[2]));
    }
    return applied;
  }

  /** Polls /health until every projection runs with zero lag. */
  async waitCaughtUp(timeoutMs = 30_000): Promise<HealthBody> {
    const deadline = Date.now() + timeoutMs;
    let last: HealthBody | undefined;
    while (Date.now() < deadline) {
      const { status, body } = await this.health();
      last = body;
      if (status === 200 && body.readModels.lagEvents === 0 && body.readModels.projections.every((p) => p.state === 'running')) return body;
      await sleep(50);
    }
    throw new Error(`read models did not catch up within ${timeoutMs} ms: ${JSON.stringify(last)}`);
  }
}

export interface HealthBody {
  status: string;
  eventStore: { kind: string; up: boolean; headPosition: string | null };
  readStore: { dialect: string; up: boolean };
  readModels: {
    projecting: boolean;
    lagEvents: number;
    lagMs: number;
    parkedEvents: number;
    projections: Array<{ name: string; state: string; checkpoint: string | null; lagEvents: number; parked: number; lastError: string | null }>;
  };
}
