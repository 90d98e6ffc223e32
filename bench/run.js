'use strict';
// `npm run bench`: measures the performance budgets of DESIGN.md as ratios
// taken side by side in one run, prints a table and writes bench/results.json.
//
// Exit status: 0 when every measurement was taken (a budget that is over is
// reported, not fatal); 1 when a measurement crashed or cannot be trusted.
//
// usage: node bench/run.js [--quick] [--out FILE] [--svg FILE]

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, check } = require('./common');
const { rawFd, dgramGetter, round } = require('./syscall');
const { startup } = require('./startup');
const { connectionRate, clientRate } = require('./server');
const { calls } = require('./calls');
const { perConnectionSyscalls } = require('./perconn');
const { chart } = require('./chart');

const BUDGET = {
  rawFdRatio: 1.2,
  dgramRatio: 1.1,
  dgramGoal: 1.0,
  // "Zero growth": what is left after warm-up and a forced GC, fitted over the
  // whole measured run (5M calls). The smallest leak there is, one 32-byte
  // malloc chunk, on the rarest path measured (the ~190k failing calls)
  // would add 6 MiB of RSS; RSS itself wobbles by up to ~1 MiB (malloc
  // arenas, code pages), hence 2 MiB. The JS heap and Buffer memory are
  // exact and get tight limits.
  memory: { rss: 2 * 1024 * 1024, heapUsed: 128 * 1024, external: 64 * 1024, arrayBuffers: 64 * 1024, fds: 0 },
  // CPU time require('sockbuf') adds over `node -e 0` (median of 30
  // alternating runs).
  startupCpuMs: 3,
  // configureServer({ perConnection: true }): at most the two setsockopt
  // calls per connection, nothing else.
  perConnectionSyscalls: 2,
  // sockbuf.createConnection with both buffer sizes: per connection, a set
  // and a read-back (for its report) of each size, and the ioctl(FIONBIO)
  // libuv's uv_tcp_open makes on the descriptor it is given; the socket()
  // call is the one libuv would have made.
  clientSyscalls: 5,
  // configureServer may cost under 3% of the connection rate.
  serverRatio: 0.97,
};

const TIME_LIMIT_MS = 900000;

/** A number of milliseconds with its sign ('+1.2', '-0.6'). */
function signed(n) {
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

function parseArgs(argv) {
  const args = { quick: false, out: undefined, svg: undefined };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') args.quick = true;
    else if (argv[i] === '--out') args.out = path.resolve(argv[++i]);
    else if (argv[i] === '--svg') args.svg = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (usage: node bench/run.js [--quick] [--out FILE] [--svg FILE])`);
  }
  // A quick run is a check, not a result: it never replaces the committed
  // bench/results.json and results.svg unless told to.
  const dir = args.quick ? os.tmpdir() : __dirname;
  const stem = args.quick ? 'sockbuf-bench-quick' : 'results';
  args.out ??= path.join(dir, `${stem}.json`);
  args.svg ??= path.join(dir, `${stem}.svg`);
  return args;
}

function memory({ calls, chunks, warmupChunks }) {
  const res = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      // A fixed young generation: V8 resizing it would show as RSS growth.
      '--min-semi-space-size=16',
      '--max-semi-space-size=16',
      path.join(__dirname, 'memory.js'),
      String(calls),
      String(chunks),
      String(warmupChunks),
    ],
    { encoding: 'utf8', timeout: 480000 },
  );
  check(res.status === 0, `bench/memory.js failed (status ${res.status}): ${res.stderr || res.error}`);
  const out = JSON.parse(res.stdout);
  check(out.calls >= calls, `bench/memory.js made ${out.calls} calls, not ${calls}`);
  return out;
}

const KiB = 1024;

function bytes(n) {
  const sign = n < 0 ? '-' : '+';
  const a = Math.abs(n);
  if (a >= 1024 * KiB) return `${sign}${(a / (1024 * KiB)).toFixed(2)} MiB`;
  if (a >= KiB) return `${sign}${(a / KiB).toFixed(1)} KiB`;
  return `${sign}${a} B`;
}

const ns = (x) => `${x.toFixed(1)} ns`;

/** Rows of the report: what, measured, ratio, budget, status. */
function rows(r) {
  const out = [];
  const add = (what, measured, value, budget, status) => out.push({ what, measured, value, budget, status });
  const atMost = (v, b) => (v <= b ? 'PASS' : 'OVER');

  const g = r.rawFd.get;
  add(
    'raw fd getsockopt(SO_RCVBUF) vs C loop',
    `${ns(g.sockbuf.medianNs)} vs ${ns(g.c.medianNs)}`,
    `${g.ratio.toFixed(3)}x`,
    `<= ${BUDGET.rawFdRatio}x`,
    atMost(g.ratio, BUDGET.rawFdRatio),
  );
  add('  of which the native call alone', ns(g.native.medianNs), `${g.nativeRatio.toFixed(3)}x`, '', 'info');
  const st = r.rawFd.set;
  add(
    'raw fd setsockopt(SO_RCVBUF) vs C loop',
    `${ns(st.sockbuf.medianNs)} vs ${ns(st.c.medianNs)}`,
    `${st.ratio.toFixed(3)}x`,
    `<= ${BUDGET.rawFdRatio}x`,
    atMost(st.ratio, BUDGET.rawFdRatio),
  );
  add('  of which the native call alone', ns(st.native.medianNs), `${st.nativeRatio.toFixed(3)}x`, '', 'info');
  const d = r.dgramGetter;
  add(
    'getRecvBufferSize(dgram) vs Node dgram',
    `${ns(d.sockbuf.medianNs)} vs ${ns(d.node.medianNs)}`,
    `${d.ratio.toFixed(3)}x`,
    `<= ${BUDGET.dgramRatio}x (goal ${BUDGET.dgramGoal.toFixed(2)})`,
    atMost(d.ratio, BUDGET.dgramRatio),
  );
  const m = r.memory;
  const millions = (m.calls / 1e6).toFixed(1);
  for (const field of ['rss', 'heapUsed', 'external', 'arrayBuffers']) {
    add(
      `memory ${field} after ${millions}M calls`,
      `${bytes(m.fitted[field])} (${bytes(m.perMillion[field])}/M)`,
      bytes(m.fitted[field]),
      `< ${bytes(BUDGET.memory[field]).slice(1)}`,
      m.fitted[field] < BUDGET.memory[field] ? 'PASS' : 'OVER',
    );
  }
  add(
    'open fds after the memory run',
    `${m.baseline.fds} -> ${m.after.fds}`,
    `${m.growth.fds >= 0 ? '+' : ''}${m.growth.fds}`,
    '0',
    m.growth.fds === 0 ? 'PASS' : 'OVER',
  );
  const s = r.startup;
  add(
    "require('sockbuf') CPU time added",
    `${(s.bareCpuMs + s.addedCpuMs).toFixed(1)} ms vs ${s.bareCpuMs.toFixed(1)} ms`,
    `${signed(s.addedCpuMs)} ms`,
    `<= ${BUDGET.startupCpuMs} ms`,
    atMost(s.addedCpuMs, BUDGET.startupCpuMs),
  );
  add(
    '  wall time added',
    `${s.sockbufMs.toFixed(1)} ms vs ${s.bareMs.toFixed(1)} ms`,
    `${signed(s.addedMs)} ms`,
    '',
    'info',
  );
  if (s.floorAddedCpuMs !== null && s.floorAddedCpuMs !== undefined) {
    add('  for comparison: require() of an empty .js file', `${signed(s.floorJsAddedCpuMs)} ms CPU`, '', '', 'info');
    add(
      '  for comparison: an empty N-API addon',
      `${signed(s.floorAddedCpuMs)} ms CPU`,
      `sockbuf ${signed(s.overFloorCpuMs)} ms over it`,
      '',
      'info',
    );
  }
  add(
    '  in a program that loaded net and dgram',
    `${signed(s.addedAfterNetCpuMs)} ms CPU`,
    `${signed(s.addedAfterNetMs)} ms`,
    '',
    'info',
  );
  add('  the require() call alone, timed inside', `${s.requireOnlyMs.toFixed(1)} ms`, '', '', 'info');

  add(
    '  its CPU inside the process, loader warmed',
    `${s.innerCpuMs.toFixed(2)} ms CPU`,
    `empty .js ${s.innerEmptyJsCpuMs.toFixed(2)} ms${
      s.innerEmptyAddonCpuMs === null ? '' : `, empty addon ${s.innerEmptyAddonCpuMs.toFixed(2)} ms`
    }`,
    '',
    'info',
  );
  add(
    '  of which the "exports" map (Node\'s ESM resolver)',
    `without it ${s.innerNoExportsMapCpuMs.toFixed(2)} ms CPU`,
    `${signed(s.innerExportsMapAddedCpuMs)} ms`,
    '',
    'info',
  );
  add('  after another package with an "exports" map', `${s.innerResolverWarmCpuMs.toFixed(2)} ms CPU`, '', '', 'info');
  add(
    "  not in it: the binary's load, at the first call",
    `${s.firstLoadCpuMs.toFixed(2)} ms CPU`,
    `require + load ${(s.innerCpuMs + s.firstLoadCpuMs).toFixed(2)} ms`,
    '',
    'info',
  );
  const c = r.server;
  add(
    'configureServer connection rate vs plain',
    `${Math.round(c.configuredPerSec)}/s vs ${Math.round(c.plainPerSec)}/s`,
    `${c.ratio.toFixed(3)}x`,
    `>= ${BUDGET.serverRatio}x`,
    c.ratio >= BUDGET.serverRatio ? 'PASS' : 'OVER',
  );
  if (c.perConnectionRatio !== undefined) {
    add(
      '  perConnection: true (non-Linux default)',
      `${Math.round(c.perConnectionPerSec)}/s`,
      `${c.perConnectionRatio.toFixed(3)}x`,
      '',
      'info',
    );
  }
  const p = r.perConnectionSyscalls;
  if (p) {
    const total = syscallTotal(p.addedPerConnection);
    add(
      '  perConnection: system calls per connection',
      syscallList(p.addedPerConnection),
      `${total}`,
      `<= ${BUDGET.perConnectionSyscalls}`,
      atMost(total, BUDGET.perConnectionSyscalls),
    );
  }
  const k = r.clients;
  add(
    'createConnection (both sizes) rate vs net.connect',
    `${Math.round(k.sockbufPerSec)}/s vs ${Math.round(k.netPerSec)}/s`,
    `${k.ratio.toFixed(3)}x`,
    '',
    k.spread > 0.1 ? 'info (noisy)' : 'info',
  );
  add(
    '  client CPU per connection, added',
    `${k.sockbufCpuUs.toFixed(1)} us vs ${k.netCpuUs.toFixed(1)} us`,
    `${signed(k.addedCpuUs)} us`,
    '',
    'info',
  );
  add(
    '  with no settings (the hook alone)',
    `${Math.round(k.barePerSec)}/s, ${k.bareCpuUs.toFixed(1)} us CPU`,
    `${k.bareRatio.toFixed(3)}x`,
    '',
    'info',
  );
  const cs = r.clientSyscalls;
  if (cs) {
    const total = syscallTotal(cs.addedPerConnection);
    add(
      '  system calls per connection',
      syscallList(cs.addedPerConnection),
      `${total}`,
      `<= ${BUDGET.clientSyscalls}`,
      atMost(total, BUDGET.clientSyscalls),
    );
  }
  return out;
}

/**
 * The system calls added per connection, in whole calls: strace's counts at
 * N and 2N connections can differ by a call or two made once (a timer, a
 * module's file), which leaves a few hundredths per connection.
 */
function syscallTotal(added) {
  return Object.values(added).reduce((sum, n) => sum + Math.round(n), 0);
}

/** "2 setsockopt + 2 getsockopt + 1 ioctl": the calls added, those with none left out. */
function syscallList(added) {
  const list = Object.entries(added)
    .filter(([, n]) => Math.round(n) !== 0)
    .map(([call, n]) => `${Math.round(n)} ${call}`);
  return list.length === 0 ? 'none' : list.join(' + ');
}

/** Rows of the per-call table. */
function callRows(c) {
  return c.rows.map((x) => ({
    what: `${x.indent ? '  ' : ''}${x.group === 'sockbuf' ? '' : ''}${x.name}`,
    measured: `${x.ns.toFixed(1)} ns vs ${x.cNs.toFixed(1)} ns`,
    value: `${x.ratio.toFixed(2)}x`,
    budget: x.budget === null ? '' : `<= ${x.budget}x`,
    status:
      x.budget === null
        ? x.spread > 0.1
          ? 'noisy'
          : ''
        : (x.ratio <= x.budget ? 'PASS' : 'OVER') + (x.spread > 0.1 ? ' (noisy)' : ''),
  }));
}

function table(list) {
  const head = { what: 'measurement', measured: 'measured (median)', value: 'ratio', budget: 'budget', status: '' };
  return tableWith(head, list);
}

function tableWith(head, list) {
  const all = [head, ...list];
  const w = {};
  for (const k of Object.keys(head)) w[k] = Math.max(...all.map((x) => x[k].length));
  const line = (x) =>
    [
      x.what.padEnd(w.what),
      x.measured.padEnd(w.measured),
      x.value.padStart(w.value),
      x.budget.padEnd(w.budget),
      x.status,
    ]
      .join('  ')
      .trimEnd();
  return [line(head), '-'.repeat(line(head).length), ...list.map(line)].join('\n');
}

/** JSON the way the repository's prettier would write it, so format checks stay clean. */
async function formatJson(value) {
  const text = JSON.stringify(value, null, 2) + '\n';
  try {
    const prettier = require('prettier');
    const options = (await prettier.resolveConfig(path.join(__dirname, 'results.json'))) || {};
    return await prettier.format(text, { ...options, parser: 'json' });
  } catch {
    return text;
  }
}

function gitCommit() {
  const res = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const watchdog = require('node:timers').setTimeout(() => {
    console.error(`bench: over ${TIME_LIMIT_MS / 1000} s, giving up`);
    process.exit(1);
  }, TIME_LIMIT_MS);
  watchdog.unref();

  const q = args.quick;
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const env = {
    sockbuf: pkg.version,
    commit: gitCommit(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0] ? os.cpus()[0].model : 'unknown',
    date: new Date().toISOString(),
    loadAverageBefore: os.loadavg().map((x) => round(x)),
  };
  console.log(`sockbuf ${env.sockbuf} bench: node ${env.node}, ${env.platform}, ${env.cpus} CPUs (${env.cpuModel})`);
  console.log(`load average ${env.loadAverageBefore.join(' ')}${q ? ', quick mode' : ''}`);
  if (env.loadAverageBefore[0] > env.cpus * 0.5) {
    console.log('warning: the machine is busy; ratios are noisy (re-run on a quiet machine for a verdict)');
  }
  console.log('');

  const step = async (name, fn) => {
    const t0 = Date.now();
    process.stdout.write(`  ${name} ... `);
    const result = await fn();
    console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return result;
  };
  const results = { env, budgets: BUDGET };
  results.calls = await step('every call vs its C floor', () =>
    calls(q ? { rounds: 5, slices: 3, sliceMs: 1 } : { rounds: 21, slices: 5, sliceMs: 2 }),
  );
  results.rawFd = await step('raw fd get/set vs C loop', () => rawFd({ rounds: q ? 7 : 31, calls: 50000 }));
  results.dgramGetter = await step('dgram getter vs Node', () => dgramGetter({ rounds: q ? 7 : 31, calls: 50000 }));
  results.memory = await step('memory over millions of calls', () =>
    memory(q ? { calls: 1e6, chunks: 4, warmupChunks: 2 } : { calls: 5e6, chunks: 12, warmupChunks: 4 }),
  );
  results.startup = await step('start-up', () => startup(q ? { rounds: 10, tries: 1 } : { rounds: 30, tries: 1 }));
  results.server = await step('configureServer connection rate', () =>
    connectionRate({ rounds: q ? 4 : 16, connections: 400, tries: 3, concurrency: 8 }),
  );
  results.perConnectionSyscalls = await step('configureServer perConnection system calls (strace)', () =>
    perConnectionSyscalls({ connections: q ? 50 : 200 }),
  );
  results.clients = await step('createConnection connection rate', () =>
    clientRate({ rounds: q ? 4 : 12, connections: 400, tries: 3, concurrency: 8 }),
  );
  results.clientSyscalls = await step('createConnection system calls (strace)', () =>
    perConnectionSyscalls({ connections: q ? 50 : 200, mode: 'client' }),
  );
  env.loadAverageAfter = os.loadavg().map((x) => round(x));
  env.seconds = round((Date.now() - started) / 1000, 1);

  const perCall = callRows(results.calls);
  const list = rows(results);
  results.summary = [...perCall, ...list].map(({ what, value, budget, status }) => ({
    what: what.trim(),
    value,
    budget,
    status,
  }));
  const callHead = { what: 'call', measured: 'ns per call vs C (median)', value: 'x C', budget: 'budget', status: '' };
  console.log(`\n${tableWith(callHead, perCall)}\n`);
  console.log(
    `sockbuf.fn() / destructured fn(): ${results.calls.exportsVsDestructured.toFixed(3)}x (1 = exports in fast mode)\n`,
  );
  console.log(`${table(list)}\n`);
  console.log(
    'Per-call times: median over the rounds of the fastest of 5 slices; ratios: median of the per-round\n' +
      `ratios of variants run side by side. Start-up: median over ${results.startup.rounds} alternating spawns of the\n` +
      'per-round difference in CPU time.\n' +
      `Memory: growth fitted over the measured calls after ${results.memory.warmupCalls / 1e6}M warm-up calls, ` +
      'with a forced GC before each reading.\n',
  );
  const noisy = results.calls.rows.filter((x) => x.spread > 0.1).length;
  if (env.loadAverageBefore[0] > env.cpus * 0.5 || noisy > results.calls.rows.length / 4) {
    console.log(
      `warning: noisy run (load average ${env.loadAverageBefore[0]} on ${env.cpus} CPUs, ${noisy} rows with a ratio spread over 10%): re-run on a quiet machine before trusting a verdict`,
    );
  }
  const over = [...perCall, ...list].filter((x) => x.status.startsWith('OVER')).length;
  console.log(
    `${over === 0 ? 'every budget met' : `${over} over budget`}; ${env.seconds} s, load average ` +
      `${env.loadAverageBefore.join(' ')} -> ${env.loadAverageAfter.join(' ')}`,
  );
  fs.writeFileSync(args.out, await formatJson(results));
  console.log(`results: ${path.relative(process.cwd(), args.out) || args.out}`);
  const described = `sockbuf ${env.sockbuf} (${env.commit}), Node ${env.node}, ${env.platform}, ${env.cpus} x ${env.cpuModel}, load ${env.loadAverageBefore[0]}, ${env.date.slice(0, 10)}`;
  fs.writeFileSync(args.svg, chart(results.calls.rows, described));
  console.log(`chart: ${path.relative(process.cwd(), args.svg) || args.svg}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`\nbench failed: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
  },
);
