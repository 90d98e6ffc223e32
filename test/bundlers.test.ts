// A program bundled by esbuild, run from a folder with no node_modules (as it
// is deployed): with sockbuf marked external it loads from node_modules; with
// sockbuf bundled in, the binary's prebuilds/ folder is not next to the
// bundle, so the load error must say what to do, and SOCKBUF_BINARY or
// useBinary() from 'sockbuf/binary' must make it work. /proc/self/maps (on
// Linux) says which binary the process really mapped.
import { buildSync, type BuildOptions } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { binaryName, makeProject, ok, target, userEnv } from './installed';

let project = '';
let binary = '';

beforeAll(() => {
  project = makeProject('sockbuf-bundlers-');
  binary = path.join(project, 'node_modules', 'sockbuf', 'prebuilds', target, binaryName);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

// A UDP socket whose receive buffer is set through sockbuf and read back by
// Node's own getter; the binaries this process mapped.
const useIt = (load: string): string => `
let sockbuf;
try {
  ${load}
} catch (err) {
  console.log(JSON.stringify({ code: err.code, message: err.message }));
  process.exit(0);
}
const dgram = require('node:dgram');
const fs = require('node:fs');
const udp = dgram.createSocket('udp4');
udp.bind(0, '127.0.0.1', () => {
  const report = sockbuf.setRecvBufferSize(udp, 100000);
  const loaded = process.platform === 'linux'
    ? [...new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/).pop()).filter((f) => f.endsWith('.node')))]
    : [];
  console.log(JSON.stringify({ effective: report.effective, node: udp.getRecvBufferSize(), loaded }));
  udp.close();
});
`;

const plain = useIt(`sockbuf = require('sockbuf');`);
const viaUseBinary = useIt(
  `require('sockbuf/binary').useBinary(process.env.APP_BINARY);\n  sockbuf = require('sockbuf');`,
);

interface Outcome {
  effective?: number;
  node?: number;
  loaded?: string[];
  code?: string;
  message?: string;
}

/** Bundles `source` into deploy/<name>.js (a folder outside any node_modules) and runs it. */
function bundleAndRun(name: string, source: string, options: BuildOptions, env: NodeJS.ProcessEnv = {}): Outcome {
  const src = path.join(project, 'src');
  mkdirSync(src, { recursive: true });
  writeFileSync(path.join(src, `${name}.js`), source);
  const deploy = path.join(project, 'deploy', name);
  rmSync(deploy, { recursive: true, force: true });
  const outfile = path.join(deploy, `${name}.js`);
  buildSync({
    absWorkingDir: project,
    entryPoints: [path.join(src, `${name}.js`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    logLevel: 'silent',
    ...options,
  });
  const file = options.outfile ?? outfile;
  const res = ok(process.execPath, [file], path.dirname(file), { env: { ...userEnv, ...env } });
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout) as Outcome;
}

function expectWorking(outcome: Outcome, expected: string): void {
  expect(outcome.message).toBeUndefined();
  expect(outcome.node).toBe(outcome.effective);
  expect(outcome.effective).toBe(process.platform === 'linux' ? 200000 : 100000);
  if (process.platform === 'linux') expect(outcome.loaded).toEqual([expected]);
}

test('sockbuf marked external: the bundle loads it from node_modules', () => {
  // Deployed next to node_modules/: a folder in the project.
  const outcome = bundleAndRun('external', plain, {
    external: ['sockbuf'],
    outfile: path.join(project, 'external.js'),
  });
  // The bundle does not carry sockbuf's code: require('sockbuf') stays.
  const bundle = readFileSync(path.join(project, 'external.js'), 'utf8');
  expect(bundle).toContain('require("sockbuf")');
  expect(bundle).not.toContain('seems to be bundled');
  expectWorking(outcome, binary);
});

test('sockbuf bundled in, no binary named: ERR_SOCKBUF_NO_BINARY says to mark it external or set SOCKBUF_BINARY', () => {
  const outcome = bundleAndRun('bundled', plain, {});
  expect(outcome.code).toBe('ERR_SOCKBUF_NO_BINARY');
  expect(outcome.message).toMatch(/sockbuf seems to be bundled/);
  expect(outcome.message).toMatch(/Mark sockbuf as external in the bundler/);
  expect(outcome.message).toMatch(/point SOCKBUF_BINARY at the \.node file/);
  // Not the advice for a package folder, which would send the user to the wrong place.
  expect(outcome.message).not.toMatch(/node-gyp rebuild/);
});

test('sockbuf bundled in, SOCKBUF_BINARY set: the named binary is loaded and works', () => {
  expectWorking(bundleAndRun('bundled-env', plain, {}, { SOCKBUF_BINARY: binary }), binary);
});

test("sockbuf bundled in, useBinary() from 'sockbuf/binary': the binary given is loaded and works", () => {
  expectWorking(bundleAndRun('bundled-option', viaUseBinary, {}, { APP_BINARY: binary }), binary);
});

test('as in a webpack bundle, where require(variable) cannot load a file: the binary named is loaded with __non_webpack_require__', () => {
  // webpack turns sockbuf's require(path) into its own context require,
  // which throws "Cannot find module" for any path, and gives Node's require
  // as __non_webpack_require__. The banner makes this bundle's require do
  // the same and counts the loads that go through Node's.
  const webpackLike: BuildOptions = {
    banner: {
      js: `var nodeRequire = require;
globalThis.viaNodeRequire = 0;
globalThis.__non_webpack_require__ = function (id) { globalThis.viaNodeRequire++; return nodeRequire(id); };
require = function (id) { if (/\\.node$/.test(id)) { const e = new Error("Cannot find module '" + id + "'"); e.code = 'MODULE_NOT_FOUND'; throw e; } return nodeRequire(id); };`,
    },
  };
  const counted = (source: string): string =>
    source.replace(
      'console.log(JSON.stringify({ effective',
      'console.log(JSON.stringify({ via: globalThis.viaNodeRequire, effective',
    );
  const env = bundleAndRun('webpack-like-env', counted(plain), webpackLike, { SOCKBUF_BINARY: binary });
  expectWorking(env, binary);
  expect((env as { via?: number }).via).toBe(1);
  const option = bundleAndRun('webpack-like-option', counted(viaUseBinary), webpackLike, { APP_BINARY: binary });
  expectWorking(option, binary);
  expect((option as { via?: number }).via).toBe(1);
});

test('SOCKBUF_BINARY naming a missing file: ERR_SOCKBUF_NO_BINARY names the variable and the path, no fallback', () => {
  const missing = path.join(project, 'nowhere', 'sockbuf.node');
  const outcome = bundleAndRun('bundled-missing', plain, {}, { SOCKBUF_BINARY: missing });
  expect(outcome.code).toBe('ERR_SOCKBUF_NO_BINARY');
  expect(outcome.message).toContain(`cannot load the binary SOCKBUF_BINARY names, ${JSON.stringify(missing)}`);
});

test('useBinary() after sockbuf loaded its binary throws ERR_INVALID_STATE; bad arguments throw ERR_INVALID_ARG_TYPE', () => {
  const code = `const { useBinary } = require('sockbuf/binary');
const sockbuf = require('sockbuf');
try { sockbuf.getRecvBufferSize(2147483000); } catch {} // a call: the binary is loaded by now
const codes = [];
for (const arg of [${JSON.stringify(binary)}, '', 42, null, undefined]) {
  try { useBinary(arg); codes.push('none'); } catch (err) { codes.push(err.code); }
}
console.log(JSON.stringify(codes));`;
  const res = ok(process.execPath, ['-e', code], project);
  expect(JSON.parse(res.stdout)).toEqual([
    'ERR_INVALID_STATE',
    'ERR_INVALID_ARG_TYPE',
    'ERR_INVALID_ARG_TYPE',
    'ERR_INVALID_ARG_TYPE',
    'ERR_INVALID_ARG_TYPE',
  ]);
});

test('after a require that failed to load the binary useBinary() named, useBinary() may name another, and the next require works', () => {
  const missing = path.join(project, 'no-such-binary.node');
  const code = `const { useBinary } = require('sockbuf/binary');
const steps = [];
useBinary(${JSON.stringify(missing)});
try { require('sockbuf'); steps.push('loaded'); } catch (err) { steps.push(err.code); }
try { useBinary(${JSON.stringify(binary)}); steps.push('accepted'); } catch (err) { steps.push(err.code); }
const sockbuf = require('sockbuf');
steps.push(typeof sockbuf.getRecvBufferSize);
try { useBinary(${JSON.stringify(binary)}); steps.push('accepted'); } catch (err) { steps.push(err.code); }
const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
steps.push(maps.includes(${JSON.stringify(binary)}));
console.log(JSON.stringify(steps));`;
  const res = ok(process.execPath, ['-e', code], project);
  expect(JSON.parse(res.stdout)).toEqual([
    'ERR_SOCKBUF_NO_BINARY',
    'accepted',
    'function',
    'ERR_INVALID_STATE',
    process.platform === 'linux',
  ]);
});

test('an ES module bundle (createRequire banner): the error without SOCKBUF_BINARY, a working load with it', () => {
  const esm: BuildOptions = {
    format: 'esm',
    outfile: path.join(project, 'deploy', 'esm', 'app.mjs'),
    // esbuild's usual banner for CommonJS dependencies in an ESM bundle.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  };
  const without = bundleAndRun('esm', plain, esm);
  expect(without.code).toBe('ERR_SOCKBUF_NO_BINARY');
  // Node gives an ES module no __dirname; Bun does (the bundle's folder).
  expect(without.message).toMatch(
    /sockbuf seems to be bundled \((it runs without __dirname|.* is not sockbuf's package folder)/,
  );
  expectWorking(bundleAndRun('esm', plain, esm, { SOCKBUF_BINARY: binary }), binary);
});
