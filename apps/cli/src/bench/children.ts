import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** A server the bench started in its own process, so the load generator never shares its event loop. */
export interface ChildServer {
  url: string;
  pid: number;
  /** Peak and current resident memory of the child (from /proc), in MB. */
  memory(): { rssMb: number; hwmMb: number } | undefined;
  /** SIGINT and wait (the API flushes projections and, with --cpu-prof, writes its profile). */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function procStatusMb(pid: number): { rssMb: number; hwmMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number =>
      Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveExit) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolveExit();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveExit();
    });
  });
}

function wrap(child: ChildProcess, url: string): ChildServer {
  return {
    url,
    pid: child.pid!,
    memory: () => procStatusMb(child.pid!),
    async stop() {
      child.kill('SIGINT');
      await waitExit(child, 60_000);
    },
  };
}

/**
 * How `npm start` runs the API (package.json `start`, checked by children.int-spec.ts): the
 * compiled output of scripts/build.mjs, with these node flags and this environment. The bench
 * measures exactly that.
 *
 * `--heap-growing-percent=100`: after each full collection V8 lets the old generation grow to up
 * to 4× what survived before the next one. The API keeps ≈ 60 MB live under the bench's load, so
 * its heap reached 250-290 MB between collections (850 MB once, on a busy box) and that was most
 * of the peak RSS. 2× bounds it near 120 MB. 1.5× (`=50`, used before) bounded it tighter but ran a
 * mark-compact every ≈ 5 s at 500 writes/s, each followed by 20-54 ms of event-loop stalls: with
 * 2×, the openDeal round trip had p99 19 ms in the second lag phase of two probe pairs against
 * 35-53 ms, for 15-30 MB more RSS (docs/operations.md, Memory). No heap cap: a startup rebuild of
 * a bumped projection can hold ≈ 1 GB.
 *
 * `--max-semi-space-size=4`: the young generation of every isolate (request thread, projection
 * worker, checkpoint thread) grows to 2 × 16 MB by default under load. Capped at 2 × 4 MB the
 * V8 pages after the openDeal and lag phases were ≈ 130 MB instead of ≈ 178 MB and the peak RSS
 * 336-343 MB instead of 411-426 MB (two alternating pairs), for 0-17 % fewer deals/pipeline
 * queries per second in the same pairs and no measurable change to openDeal.
 */
export const API_ENTRY = 'dist/apps/api/src/main.js';
export const API_NODE_ARGS: readonly string[] = ['--enable-source-maps', '--heap-growing-percent=100', '--max-semi-space-size=4'];

let built = false;

/** Compiles apps/ and libs/ into dist/ (scripts/build.mjs, about a second), once per process. */
export function buildApi(): void {
  if (built) return;
  execFileSync(process.execPath, [resolve('scripts/build.mjs'), '--quiet'], { stdio: 'inherit' });
  built = true;
}

/**
 * The real API as `npm start` runs it (built first, see API_ENTRY) on a data directory, with the
 * environment given; resolves once /health answers 200.
 */
export async function startApiChild(options: {
  dataDir: string;
  env: Record<string, string>;
  nodeArgs?: string[];
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<ChildServer> {
  buildApi();
  const port = await freePort();
  const child = spawn(process.execPath, [...API_NODE_ARGS, ...(options.nodeArgs ?? []), resolve(API_ENTRY)], {
    env: {
      ...process.env,
      KAM_DATA_DIR: options.dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      KAM_DEMO: '0',
      LOG_LEVEL: 'error',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) options.onOutput?.(line);
  };
  child.stdout!.on('data', forward);
  child.stderr!.on('data', forward);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 300_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode} before it was ready`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('the API did not become healthy in time');
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return wrap(child, url);
}

/** The bare Fastify + Mercurius hello-world (hello-server.ts) in its own process. */
export async function startHelloChild(): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    ['-r', '@swc-node/register', resolve('apps/cli/src/bench/hello-server.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<string>((resolvePort, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolvePort(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`hello server exited with ${code}`)));
  });
  return wrap(child, `http://127.0.0.1:${port}`);
}
