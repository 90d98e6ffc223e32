// The package loads the way users load it: CommonJS require and ESM import
// of the compiled dist/, with types for TypeScript.
// Each runs in a project that has the package installed (the files
// package.json lists, in node_modules/sockbuf), as a user's code would.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { makeProject } from './installed';

let project: string;
beforeAll(() => {
  project = makeProject('sockbuf-module-');
});
afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

test("require('sockbuf') by name resolves through package.json exports", () => {
  const res = run([
    '-e',
    `const s = require('sockbuf'); console.log(typeof s.getsockopt, typeof s.constants.SO_RCVBUF)`,
  ]);
  expect(res.stderr).toBe('');
  expect(res.stdout.trim()).toBe('function number');
});

test("import { getsockopt } from 'sockbuf' works from ESM", () => {
  const code = `import { getsockopt, constants } from 'sockbuf';
import dgram from 'node:dgram';
const s = dgram.createSocket('udp4');
s.bind(0, '127.0.0.1', () => { console.log(getsockopt(s, constants.SOL_SOCKET, constants.SO_TYPE) === constants.SOCK_DGRAM); s.close(); });`;
  const res = run(['--input-type=module', '-e', code]);
  expect(res.stderr).toBe('');
  expect(res.stdout.trim()).toBe('true');
});

test('loading emits no deprecation or other warning, even under --throw-deprecation', () => {
  const code = `process.on('warning', (w) => { console.error('WARNING', w.name, w.message); process.exitCode = 1; });
const s = require('sockbuf'); const dgram = require('node:dgram');
const u = dgram.createSocket('udp4');
u.bind(0, () => { s.getBufferSizes(u); s.setRecvBufferSize(u, 65536); u.close(); });`;
  const res = run(['--throw-deprecation', '--pending-deprecation', '-e', code]);
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
});

test('on Windows, loading fails with a clear, coded error instead of a crash', () => {
  // Node on Windows hands out no descriptors; simulate the platform check.
  const code = `Object.defineProperty(process, 'platform', { value: 'win32' });
try { require('sockbuf'); console.log('loaded'); } catch (e) { console.log(e.code + ' ' + e.message); }`;
  const res = run(['-e', code]);
  expect(res.stdout).toMatch(/^ERR_FEATURE_UNAVAILABLE_ON_PLATFORM sockbuf is not supported on Windows: /);
});

test('sockbuf/binary and sockbuf/package.json load by name from CommonJS and from an ES module', () => {
  const cjs = run([
    '-e',
    `const b = require('sockbuf/binary'); console.log(typeof b.useBinary, require('sockbuf/package.json').name)`,
  ]);
  expect(cjs.stderr).toBe('');
  expect(cjs.stdout.trim()).toBe('function sockbuf');
  const esm = run([
    '--input-type=module',
    '-e',
    `import { useBinary } from 'sockbuf/binary'; import { createRequire } from 'node:module';
console.log(typeof useBinary, createRequire(import.meta.url)('sockbuf/package.json').name);`,
  ]);
  expect(esm.stderr).toBe('');
  expect(esm.stdout.trim()).toBe('function sockbuf');
  // Only the two entries and package.json are public: dist/ files are not.
  const deep = run([
    '-e',
    `try { require('sockbuf/dist/raw.js'); console.log('loaded'); } catch (e) { console.log(e.code); }`,
  ]);
  // (Bun refuses it too, with the code of a missing module.)
  expect(deep.stdout.trim()).toBe(process.versions.bun ? 'MODULE_NOT_FOUND' : 'ERR_PACKAGE_PATH_NOT_EXPORTED');
});
