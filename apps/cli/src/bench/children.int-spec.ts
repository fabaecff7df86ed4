import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { API_ENTRY, API_NODE_ARGS, freePort } from './children';

/** `npm start` and the bench run the compiled API (scripts/build.mjs), not the TypeScript. */
describe('the production build', () => {
  const out = mkdtempSync(join(tmpdir(), 'kam-build-'));
  const data = mkdtempSync(join(tmpdir(), 'kam-build-data-'));

  beforeAll(() => {
    // Packages resolve from the output's parents, as they do from dist/ in the repository.
    symlinkSync(resolve('node_modules'), join(out, 'node_modules'), 'dir');
    execFileSync(process.execPath, ['scripts/build.mjs', '--out', join(out, 'dist'), '--quiet']);
    // Preloaded into the served child: on SIGUSR2 it prints the modules it loaded and the stack of
    // an error thrown inside a compiled library function.
    writeFileSync(
      join(out, 'report-modules.js'),
      `process.on('SIGUSR2', () => {
        console.log('MODULES ' + JSON.stringify(Object.keys(require.cache)));
        try { require(${JSON.stringify(join(out, 'dist/libs/kernel/src'))}).assertNever(undefined); }
        catch (error) { console.log('STACK ' + String(error.stack).split('\\n').slice(0, 3).join(' | ')); }
      });\n`,
    );
  }, 60_000);

  afterAll(() => {
    rmSync(out, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('is what npm start runs, with the flags and environment the bench measures', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toBe(`node ${API_NODE_ARGS.join(' ')} ${API_ENTRY}`);
    expect(scripts.prestart).toMatch(/^node scripts\/build\.mjs/);
    expect(scripts['start:projector']).toBe(`node ${API_NODE_ARGS.join(' ')} dist/apps/projector/src/main.js`);
    expect(scripts['prestart:projector']).toMatch(/^node scripts\/build\.mjs/);
  });

  it('compiles the apps and libraries without specs or test support, with a source map per file', () => {
    const dist = join(out, 'dist');
    expect(existsSync(join(dist, API_ENTRY.replace(/^dist\//, '')))).toBe(true);
    expect(existsSync(join(dist, 'apps/projector/src/main.js'))).toBe(true);
    expect(existsSync(join(dist, 'libs/event-store/src/sqlite/sqlite-event-store.js.map'))).toBe(true);
    expect(existsSync(join(dist, 'libs/event-store/src/sqlite/sqlite-event-store.int-spec.js'))).toBe(false);
    expect(existsSync(join(dist, 'libs/event-store/src/testing'))).toBe(false);
    // @kam/* became relative requires: nothing resolves through tsconfig paths at run time.
    const bootstrap = readFileSync(join(dist, 'apps/api/src/bootstrap.js'), 'utf8');
    expect(bootstrap).not.toContain('@kam/');
    expect(bootstrap).toContain('require("../../../libs/auth/src")');
  });

  it('serves without TypeScript or swc loaded, and maps stack traces to the .ts sources', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [...API_NODE_ARGS, join(out, API_ENTRY)], {
      env: {
        ...process.env,
        KAM_DATA_DIR: data,
        PORT: String(port),
        HOST: '127.0.0.1',
        KAM_DEMO: '0',
        LOG_LEVEL: 'error',
        // Loaded modules, reported by the child itself once it listens (see below).
        NODE_OPTIONS: `--require ${join(out, 'report-modules.js')}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      let healthy = false;
      for (let waited = 0; waited < 30_000 && !healthy; waited += 200) {
        healthy = await fetch(`http://127.0.0.1:${port}/health`)
          .then((response) => response.status === 200)
          .catch(() => false);
        if (!healthy) await new Promise((r) => setTimeout(r, 200));
      }
      expect(healthy).toBe(true);
      child.kill('SIGUSR2');
      for (let waited = 0; waited < 5000 && !output.includes('MODULES'); waited += 50) await new Promise((r) => setTimeout(r, 50));
      const modules = JSON.parse(/MODULES (.*)/.exec(output)?.[1] ?? '[]') as string[];
      expect(modules.some((m) => m.includes('/libs/event-store/src/sqlite/sqlite-event-store.js'))).toBe(true);
      expect(modules.filter((m) => /node_modules\/(typescript|@swc)\//.test(m))).toEqual([]);
      expect(output).toMatch(/STACK .*libs\/kernel\/src\/.*\.ts:\d+/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
