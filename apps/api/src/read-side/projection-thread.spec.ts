import { Worker } from 'node:worker_threads';
import { workerArgs } from './projection-thread';

describe('workerArgs', () => {
  it('keeps preloads, source maps and profiling, drops what a worker refuses, and turns the heap limit into a resource limit', () => {
    const args = workerArgs([
      '--enable-source-maps',
      '-r',
      '@swc-node/register',
      '--max-old-space-size=2048',
      '--expose-gc',
      '--cpu-prof',
      '--cpu-prof-dir=/tmp/p',
      '--experimental-vm-modules',
      '--require=tsconfig-paths/register',
    ]);
    expect(args).toEqual({
      execArgv: ['--enable-source-maps', '-r', '@swc-node/register', '--cpu-prof', '--cpu-prof-dir=/tmp/p', '--experimental-vm-modules', '--require=tsconfig-paths/register'],
      resourceLimits: { maxOldGenerationSizeMb: 2048 },
    });
  });

  it('gives options a worker starts with', async () => {
    const { execArgv, resourceLimits } = workerArgs(['--max-old-space-size=512', '--expose-gc', '--enable-source-maps', '--stack-size=2000']);
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage(process.execArgv)', { eval: true, execArgv, resourceLimits });
    const seen = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(seen).toEqual(['--enable-source-maps']);
    await worker.terminate();
  });
});
