// What require('sockbuf') loads, and the shape of its exports: only the addon
// and the error codes load with it, from one file (dist/index.js, made by
// scripts/bundle.js); the constants object is made on its first read, the
// error builders load on the first error, and each function's module loads
// on its first call; every module's exports object stays in V8's fast mode.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pythonSync } from './helpers';

const dist = path.join(__dirname, '..', 'dist');

function run(script: string, flags: string[] = []): string {
  const res = spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`node failed (${res.status}): ${res.stderr}`);
  return res.stdout.trim();
}

const LOADED = `const loaded = () => Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(dist)})).map((f) => require('node:path').basename(f)).sort();`;

test('require reads one JavaScript file, and the addon loads on the first call; the CLI, units and report never load', () => {
  const out = JSON.parse(
    run(`${LOADED}
      const addons = () => Object.keys(require.cache).filter((f) => f.endsWith('.node')).length;
      const mapped = () => require('node:fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.endsWith('/sockbuf.node')).length > 0;
      const s = require(${JSON.stringify(dist)});
      const atLoad = loaded();
      const addonAtLoad = [addons(), mapped()];
      const dgram = require('node:dgram');
      const u = dgram.createSocket('udp4');
      u.bind(0, '127.0.0.1', () => {
        s.getsockopt(u, s.constants.SOL_SOCKET, s.constants.SO_RCVBUF);
        const afterRaw = loaded();
        const addonAfterCall = [addons(), mapped()];
        s.setRecvBufferSize(u, 65536); s.getOption(u, 'SO_LINGER'); s.queuedBytes(u); s.systemLimits();
        console.log(JSON.stringify({ atLoad, afterRaw, afterAll: loaded(), addonAtLoad, addonAfterCall }));
        u.close();
      });`),
  );
  // dist/index.js holds constants, binding, codes and runtime; the modules
  // loaded later take those from it, not from their own files.
  expect(out.atLoad).toEqual(['index.js']);
  // The binary is neither required nor mapped until a call needs it (about
  // 2 ms of dlopen and Node-API set-up that a require no longer pays).
  expect(out.addonAtLoad).toEqual([0, false]);
  expect(out.addonAfterCall).toEqual([1, true]);
  expect(out.afterRaw).toEqual(['index.js', 'raw.js', 'resolve.js', 'validate.js']);
  for (const never of [
    'cli.js',
    'units.js',
    'report.js',
    'constant-names.js',
    'errors.js',
    'binding.js',
    'loadfail.js',
    'libc.js',
  ]) {
    expect(out.afterAll).not.toContain(never);
  }
  expect(out.afterAll).toEqual(expect.arrayContaining(['sizes.js', 'options.js', 'observe.js', 'limits.js']));
});

test('the exports object has fast properties (and constants once read), and every export is a data property but the lazy constants and optionCatalog', () => {
  const out = JSON.parse(
    run(
      `const s = require(${JSON.stringify(dist)});
      const d = Object.getOwnPropertyDescriptors(s);
      const accessors = Object.keys(d).filter((k) => d[k].get !== undefined);
      const read = (c) => c.SO_RCVBUF;
      for (let i = 0; i < 10; i++) read(s.constants);
      console.log(JSON.stringify({ fast: %HasFastProperties(s), constantsFast: %HasFastProperties(s.constants), accessors, catalog: Object.keys(s.optionCatalog).length, fastAfter: %HasFastProperties(s) }));`,
      ['--allow-natives-syntax'],
    ),
  );
  expect(out).toEqual({
    fast: true,
    constantsFast: true,
    accessors: ['constants', 'optionCatalog'],
    catalog: expect.any(Number),
    fastAfter: true,
  });
  expect(out.catalog).toBeGreaterThan(10);
});

test("every module of dist/ keeps its exports in fast mode (the index's stubs read them at each call)", () => {
  // An accessor defined over a data property (tsc's output for a re-export
  // of an imported name) turns a module's exports into a dictionary, and each
  // `options().setOption(...)` of the index into an uncached lookup: options.js
  // did, until 0.1's catalog re-export went.
  const files = readdirSync(dist).filter((f) => f.endsWith('.js') && f !== 'cli.js');
  const out = JSON.parse(
    run(
      `const s = require(${JSON.stringify(dist)});
      const slow = [];
      for (const f of ${JSON.stringify(files)}) {
        const m = require(${JSON.stringify(dist)} + '/' + f);
        if (!%HasFastProperties(m)) slow.push(f);
      }
      console.log(JSON.stringify({ slow, count: ${files.length} }));`,
      ['--allow-natives-syntax'],
    ),
  );
  expect(files).toEqual(expect.arrayContaining(['options.js', 'raw.js', 'sizes.js', 'observe.js', 'limits.js']));
  expect(out.slow).toEqual([]);
});

test('the constants object is made on its first read, not by require or by the typed calls', () => {
  const out = JSON.parse(
    run(`const s = require(${JSON.stringify(dist)});
      const native = s[Symbol.for('sockbuf.core')].binding.loadNative();
      let made = 0;
      const make = native.makeConstants;
      native.makeConstants = function () { made++; return make.call(this); };
      const dgram = require('node:dgram');
      const u = dgram.createSocket('udp4');
      u.bind(0, '127.0.0.1', () => {
        s.setRecvBufferSize(u, 65536); s.getOption(u, 'SO_LINGER'); s.setOption(u, 'SO_REUSEADDR', true);
        s.socketMemory(u); s.systemLimits(); s.getBufferSizes(u);
        const before = made;
        const c = s.constants;
        const again = s.constants;
        console.log(JSON.stringify({ before, after: made, same: c === again, frozen: Object.isFrozen(c), count: Object.keys(c).length}));
        u.close();
      });`),
  );
  expect(out).toEqual({ before: 0, after: 1, same: true, frozen: true, count: expect.any(Number) });
  expect(out.count).toBeGreaterThan(100);
});

test("the binary's own `constants` getter (what sockbuf 0.1's JavaScript reads) gives the same table as makeConstants", () => {
  const out = JSON.parse(
    run(`const native = require(${JSON.stringify(dist)})[Symbol.for('sockbuf.core')].binding.loadNative();
      const a = native.constants;
      const b = native.makeConstants();
      console.log(JSON.stringify({ same: JSON.stringify(Object.entries(a)) === JSON.stringify(Object.entries(b)), count: Object.keys(a).length, one: native.constant('SO_RCVBUF') === a.SO_RCVBUF, none: native.constant('NOT_A_CONSTANT') === undefined && native.constant(7) === undefined }));`),
  );
  expect(out).toEqual({ same: true, count: expect.any(Number), one: true, none: true });
  expect(out.count).toBeGreaterThan(100);
});

test("the binary's struct layout is made on its first read (not by require), then stays one data property with the headers' numbers", () => {
  const out = JSON.parse(
    run(`const s = require(${JSON.stringify(dist)});
      const native = s[Symbol.for('sockbuf.core')].binding.loadNative();
      const kind = () => { const d = Object.getOwnPropertyDescriptor(native, 'layout'); return d.get !== undefined ? 'getter' : 'data'; };
      const atLoad = kind();
      const dgram = require('node:dgram');
      const u = dgram.createSocket('udp4');
      u.bind(0, '127.0.0.1', () => {
        s.getOption(u, 'SO_LINGER');
        const afterCall = kind();
        const d = Object.getOwnPropertyDescriptor(native, 'layout');
        const l = native.layout;
        console.log(JSON.stringify({ atLoad, afterCall, same: l === native.layout && l === d.value, writable: d.writable, enumerable: d.enumerable, configurable: d.configurable, keys: Object.keys(native).includes('layout'), linger: l.linger, timeval: l.timeval, intSize: l.intSize }));
        u.close();
      });`),
  );
  // Python's ctypes lays out the same C structs (glibc's: time_t and suseconds_t are long).
  const py = pythonSync(
    [
      '-c',
      `import ctypes, json
class linger(ctypes.Structure): _fields_ = [('l_onoff', ctypes.c_int), ('l_linger', ctypes.c_int)]
class timeval(ctypes.Structure): _fields_ = [('tv_sec', ctypes.c_long), ('tv_usec', ctypes.c_long)]
print(json.dumps({'linger': {'size': ctypes.sizeof(linger), 'onoffOffset': linger.l_onoff.offset, 'lingerOffset': linger.l_linger.offset},
  'timeval': {'size': ctypes.sizeof(timeval), 'secOffset': timeval.tv_sec.offset, 'secSize': timeval.tv_sec.size, 'usecOffset': timeval.tv_usec.offset, 'usecSize': timeval.tv_usec.size},
  'intSize': ctypes.sizeof(ctypes.c_int)}))`,
    ],
    { encoding: 'utf8' },
  );
  expect(py.status).toBe(0);
  const oracle = JSON.parse(py.stdout);
  expect(out).toEqual({
    atLoad: 'getter',
    afterCall: 'data',
    same: true,
    writable: true,
    enumerable: true,
    configurable: true,
    keys: true,
    ...oracle,
  });
});

test("the layout's first read runs no code of the program's, throws nothing, and caches only on the binding (a frozen one, other receivers, setters on Object.prototype)", () => {
  const native = `require(${JSON.stringify(dist)})[Symbol.for('sockbuf.core')].binding.loadNative()`;
  const abort = ['--abort-on-uncaught-exception'];
  // A frozen binding keeps the getter, and every read gives the one object.
  expect(
    JSON.parse(
      run(
        `const n = ${native}; Object.freeze(n); const a = n.layout, b = n.layout;
        console.log(JSON.stringify({ same: a === b, intSize: a.intSize, getter: Object.getOwnPropertyDescriptor(n, 'layout').get !== undefined }));`,
        abort,
      ),
    ),
  ).toEqual({ same: true, intSize: 4, getter: true });
  // Another receiver gets the object and no property; the binding keeps its getter until it is read itself.
  expect(
    JSON.parse(
      run(
        `const n = ${native}; const r = {}; const child = Object.create(n);
        const a = Reflect.get(n, 'layout', r); const b = child.layout;
        const getter = Object.getOwnPropertyDescriptor(n, 'layout').get !== undefined;
        console.log(JSON.stringify({ same: a === b && b === n.layout, receiver: Object.keys(r), child: Object.hasOwn(child, 'layout'), getter }));`,
        abort,
      ),
    ),
  ).toEqual({ same: true, receiver: [], child: false, getter: true });
  // Setters a program put on Object.prototype never run: the layout is defined, not assigned.
  expect(
    JSON.parse(
      run(
        `const n = ${native}; let ran = 0;
        for (const k of ['size', 'secOffset', 'onoffOffset', 'rtt', 'established', 'fields']) {
          Object.defineProperty(Object.prototype, k, { set() { ran++; throw new Error('setter ' + k); }, configurable: true });
        }
        const l = n.layout; const t = l.tcpInfo;
        console.log(JSON.stringify({ ran, size: Object.getOwnPropertyDescriptor(l.timeval, 'size').value, rtt: Object.hasOwn(t.fields, 'rtt'), established: Object.hasOwn(t.states, 'established') }));`,
        abort,
      ),
    ),
  ).toEqual({ ran: 0, size: expect.any(Number), rtt: true, established: true });
  // Assigning before the first read makes a data property, as when it was one from the start.
  expect(
    JSON.parse(
      run(
        `'use strict'; const n = ${native}; n.layout = { patched: true };
        const d = Object.getOwnPropertyDescriptor(n, 'layout');
        console.log(JSON.stringify({ value: d.value, writable: d.writable }));`,
        abort,
      ),
    ),
  ).toEqual({ value: { patched: true }, writable: true });
});

test("the constants, made on their first read, run no setter the program put on Object.prototype; their values are Python's", () => {
  const out = JSON.parse(
    run(
      `let ran = 0;
      for (const k of ['SO_RCVBUF', 'SOL_SOCKET', 'TCP_NODELAY']) {
        Object.defineProperty(Object.prototype, k, { set() { ran++; throw new Error('setter ' + k); }, configurable: true });
      }
      const c = require(${JSON.stringify(dist)}).constants;
      console.log(JSON.stringify({ ran, own: ['SO_RCVBUF', 'SOL_SOCKET', 'TCP_NODELAY'].every((k) => Object.hasOwn(c, k)), values: [c.SO_RCVBUF, c.SOL_SOCKET, c.TCP_NODELAY] }));`,
      ['--abort-on-uncaught-exception'],
    ),
  );
  const py = pythonSync(['-c', 'import socket; print(socket.SO_RCVBUF, socket.SOL_SOCKET, socket.TCP_NODELAY)'], {
    encoding: 'utf8',
  });
  expect(py.status).toBe(0);
  expect(out).toEqual({ ran: 0, own: true, values: py.stdout.trim().split(' ').map(Number) });
});

test("a binding's layout lives as long as the binding: loads of the addon that were read and dropped leave none behind", () => {
  const out = JSON.parse(
    run(
      `require(${JSON.stringify(dist)})[Symbol.for('sockbuf.core')].binding.loadNative();
      const file = Object.keys(require.cache).find((f) => f.endsWith('.node'));
      const refs = [];
      for (let i = 0; i < 200; i++) {
        const m = { exports: {} };
        process.dlopen(m, file);
        refs.push([new WeakRef(m.exports), new WeakRef(m.exports.layout)]);
      }
      const count = (k) => refs.filter((r) => r[k].deref() !== undefined).length;
      setImmediate(() => {
        for (let i = 0; i < 5; i++) globalThis.gc();
        setImmediate(() => {
          globalThis.gc();
          console.log(JSON.stringify({ bindings: count(0), layouts: count(1) }));
        });
      });`,
      ['--expose-gc'],
    ),
  );
  expect(out).toEqual({ bindings: 0, layouts: 0 });
});

test('MAX_GET_LENGTH of the index is the one raw.ts enforces', () => {
  expect(require(dist).MAX_GET_LENGTH).toBe(require(path.join(dist, 'raw')).MAX_GET_LENGTH);
});

test('a first typed-option call with no name is refused, before any name was looked up (a fresh process)', () => {
  // getOption/setOption remember the last name they looked up: in a fresh
  // process nothing is remembered yet, and an omitted name must not match.
  const out = JSON.parse(
    run(
      `const s = require(${JSON.stringify(dist)});
      const dgram = require('node:dgram');
      const u = dgram.createSocket('udp4');
      u.bind(0, '127.0.0.1', () => {
        const codes = [];
        for (const call of [() => s.getOption(u), () => s.getOption(u, undefined), () => s.setOption(u, undefined, 1), () => s.getOption(u, null)]) {
          try { codes.push(['returned', call()]); } catch (err) { codes.push(err.code); }
        }
        u.close();
        console.log(JSON.stringify(codes));
      });`,
    ),
  );
  expect(out).toEqual(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE']);
});

test('one copy of each module the index holds: the modules loaded later and the files left in dist/ share it', () => {
  const out = JSON.parse(
    run(`const dist = ${JSON.stringify(dist)};
      const s = require(dist);
      const core = s[Symbol.for('sockbuf.core')];
      const same = {};
      for (const name of ['constants', 'binding', 'codes', 'runtime']) same[name] = require(dist + '/' + name + '.js') === core[name];
      // raw.js reads the addon and builds its errors through the index's copies.
      const raw = require(dist + '/raw.js');
      const errorsBefore = require.cache[dist + '/errors.js'] !== undefined;
      let code;
      try { raw.getsockopt(-5, 1, 7); } catch (err) { code = err.code; }
      // errors.js loads on the first error; the stand-in every module holds
      // then hands out its functions. The codes are only the index's (codes.js).
      const errors = require(dist + '/errors.js');
      same.errors = !errorsBefore && core.errors.coded === errors.coded && core.errors.systemError === errors.systemError;
      same.codes = s.ErrorCodes === core.codes.ErrorCodes && !('ErrorCodes' in errors) && s.constants === core.constants.getConstants();
      same.native = typeof core.binding.loadNative().makeConstants === 'function' && typeof Object.getOwnPropertyDescriptor(core.binding.loadNative(), 'constants').get === 'function';
      const names = Object.entries(s).filter(([, v]) => typeof v === 'function').filter(([k, v]) => v.name !== k).map(([k]) => k);
      console.log(JSON.stringify({ same, code, names, symbols: Object.getOwnPropertySymbols(s).length }));`),
  );
  expect(out.same).toEqual({
    constants: true,
    binding: true,
    codes: true,
    runtime: true,
    errors: true,
    native: true,
  });
  expect(out.code).toBe('ERR_OUT_OF_RANGE');
  // Every exported function keeps its own name (stack traces print it); the
  // one symbol-keyed property is the hand-out, not enumerable.
  expect(out.names).toEqual([]);
  expect(out.symbols).toBe(1);
});

test('sockbuf/binary is its own file: requiring it loads neither the index nor the addon', () => {
  const out = JSON.parse(
    run(`${LOADED}
      require(${JSON.stringify(path.join(dist, 'binary.js'))});
      const addons = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
      console.log(JSON.stringify({ js: loaded(), addons }));`),
  );
  expect(out).toEqual({ js: ['binary.js'], addons: [] });
});

test("an ES module import names exactly the index's exports (none of the modules the index holds leak into it) and loads only the catalog besides", () => {
  const res = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import * as ns from ${JSON.stringify(path.join(dist, 'index.js'))};
      import { createRequire } from 'node:module';
      const req = createRequire(import.meta.url);
      const loaded = Object.keys(req.cache).filter((f) => f.startsWith(${JSON.stringify(dist)})).map((f) => f.slice(f.lastIndexOf('/') + 1)).sort();
      const cjs = req(${JSON.stringify(dist)});
      console.log(JSON.stringify({ esm: Object.keys(ns).sort(), cjs: Object.keys(cjs).sort(), loaded }));`,
    ],
    { encoding: 'utf8' },
  );
  expect(res.status).toBe(0);
  const { esm, cjs, loaded } = JSON.parse(res.stdout) as { esm: string[]; cjs: string[]; loaded: string[] };
  // Node adds `default` (module.exports) and keeps `__esModule`; Node 24
  // and later also name `module.exports`.
  expect(esm.filter((k) => k !== 'module.exports')).toEqual([...cjs, '__esModule'].sort());
  // Node's ESM loader reads every named export, optionCatalog's getter among
  // them: that loads the catalog's data, not the option code.
  expect(loaded).toEqual(['catalog.js', 'index.js']);
});

test("dist/index.js never shadows `require`: bundlers (webpack, Rollup) see each require('node:fs') as written", () => {
  // A `require` passed in as a parameter is an unknown function to a bundler:
  // webpack and Rollup then replace the built-ins' requires with stubs that throw.
  const source = readFileSync(path.join(dist, 'index.js'), 'utf8');
  expect(source.match(/function\s*[\w$]*\s*\([^)]*\brequire\b[^)]*\)/g)).toBeNull();
  expect(source).toContain('require("node:fs")');
});
