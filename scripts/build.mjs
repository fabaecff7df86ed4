#!/usr/bin/env node
// The production build: apps/ and libs/ (no specs, no test support) compiled by swc into dist/,
// with the transform of .swcrc, so `npm start` runs plain JavaScript. Running the TypeScript
// through @swc-node/register instead loads swc's native binding and the TypeScript compiler into
// the server (to read tsconfig.json) and keeps every module's inline source map in memory: about
// 80 MB of RSS that serving never needs. Type checking stays `npm run typecheck`.
//
// @kam/* imports become relative requires (swc resolves the `paths` of .swcrc against an absolute
// baseUrl), so dist/ needs no loader. Each file gets a separate .map next to it: `node
// --enable-source-maps` (npm start) maps stack traces back to the .ts lines; without that flag
// the maps cost nothing.
//
// Usage: node scripts/build.mjs [--out dist] [--quiet]

import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformFile } from '@swc/core';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = resolve(root, outIndex >= 0 ? args[outIndex + 1] : 'dist');
const quiet = args.includes('--quiet');

const SOURCE_DIRS = ['apps', 'libs'];
const SKIPPED_DIRS = new Set(['node_modules', 'testing', 'test', '__tests__', 'dist']);
const SKIPPED_FILE = /\.(spec|int-spec|e2e-spec|test|d)\.ts$/;

function sources(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...sources(path));
    } else if (entry.name.endsWith('.ts') && !SKIPPED_FILE.test(entry.name)) {
      found.push(path);
    }
  }
  return found;
}

const swcrc = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete swcrc.$schema;

async function compile(file) {
  const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
  const { code, map } = await transformFile(file, {
    ...swcrc,
    swcrc: false,
    configFile: false,
    filename: file,
    jsc: { ...swcrc.jsc, baseUrl: root },
    sourceMaps: true,
    // Stack traces need the mappings only; the .ts files are in the repository.
    inlineSourcesContent: false,
    // The map names the .ts file relative to the .js, so tools that follow it find the source.
    sourceFileName: relative(dirname(target), file),
    outputPath: target,
  });
  mkdirSync(dirname(target), { recursive: true });
  const mapName = `${target.split('/').pop()}.map`;
  writeAtomically(`${target}.map`, map);
  writeAtomically(target, `${code}\n//# sourceMappingURL=${mapName}\n`);
  return [target, `${target}.map`];
}

// Every npm start builds: a process starting meanwhile from the same dist/ (the projector next to
// the API) must read whole files, old or new, never a half-written or deleted one.
function writeAtomically(file, text) {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

function filesUnder(dir) {
  if (!statSync(dir, { throwIfNoEntry: false })) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const started = performance.now();
const files = SOURCE_DIRS.flatMap((dir) => (statSync(join(root, dir), { throwIfNoEntry: false }) ? sources(join(root, dir)) : []));
// A few at a time: transformFile runs on swc's thread pool.
const queue = [...files];
const written = new Set();
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      for (const target of await compile(file)) written.add(target);
    }
  }),
);
// Output of sources that no longer exist (renamed, deleted, now a spec) goes.
for (const file of filesUnder(out)) {
  if (/\.js(\.map)?$/.test(file) && !written.has(file)) rmSync(file, { force: true });
}
if (!quiet) {
  process.stderr.write(`build: ${files.length} files into ${relative(root, out) || out} in ${Math.round(performance.now() - started)} ms\n`);
}
