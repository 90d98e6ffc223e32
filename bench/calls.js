'use strict';
// Every public call against its C floor: bench/cloop.c making the same system
// calls on the same kind of socket (with an idle second thread, as Node has),
// with Node core's dgram getters/setters and sockopt@2.0.1 where they have the
// call, all in interleaved rounds of one run. A row's ratio is the median of
// its per-round ratios (each round measures the call and its C floor side by
// side), so that a slow stretch of the machine hits both alike.

const { Buffer } = require('node:buffer');
const dgram = require('node:dgram');
const net = require('node:net');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { setImmediate } = require('node:timers');
const { root, nowNs, median, relativeSpread, check, positive } = require('./common');
const { compileCLoop } = require('./syscall');

const sockbuf = require(path.join(root, 'dist'));
const { resolveFd } = require(path.join(root, 'dist', 'resolve'));
let sockopt = null;
try {
  sockopt = require('sockopt');
} catch {
  // Not installed (a packed tarball's bench): its rows are left out.
}

const C = sockbuf.constants;
const LINUX = process.platform === 'linux';

/**
 * The rows: [name, C mode, JavaScript expression, group, budget]. In the
 * expression, `s` is sockbuf, `u` a bound UDP socket, `fd` its descriptor,
 * `t` a connected TCP socket, `k` the sockopt package, `w` sockopt's socket
 * argument, `g` sockbuf's getsockopt taken out of the exports (destructured),
 * `b` an 8-byte struct linger, `tb` an 8-byte Buffer to read into, `C` the constants.
 */
const INT = 1.15;
const OTHER = 1.2;
const ROWS = [
  ['getsockopt(sock, SOL_SOCKET, SO_RCVBUF)', 'get_int', 's.getsockopt(u, C.SOL_SOCKET, C.SO_RCVBUF)', 'sockbuf', INT],
  ['  destructured getsockopt(sock, ...)', 'get_int', 'g(u, C.SOL_SOCKET, C.SO_RCVBUF)', 'sockbuf', INT],
  ['  getsockopt(fd, ...)', 'get_int', 's.getsockopt(fd, C.SOL_SOCKET, C.SO_RCVBUF)', 'sockbuf', INT],
  [
    'setsockopt(sock, SOL_SOCKET, SO_RCVBUF, n)',
    'set_int',
    's.setsockopt(u, C.SOL_SOCKET, C.SO_RCVBUF, 65536)',
    'sockbuf',
    INT,
  ],
  [
    'getsockopt(sock, SOL_SOCKET, SO_LINGER, 8)',
    'get_linger',
    's.getsockopt(u, C.SOL_SOCKET, C.SO_LINGER, 8)',
    'sockbuf',
    OTHER,
  ],
  [
    '  getsockopt(sock, SOL_SOCKET, SO_LINGER, target)',
    'get_linger',
    's.getsockopt(u, C.SOL_SOCKET, C.SO_LINGER, tb)',
    'sockbuf',
    OTHER,
  ],
  [
    'setsockopt(sock, SOL_SOCKET, SO_LINGER, bytes)',
    'set_linger',
    's.setsockopt(u, C.SOL_SOCKET, C.SO_LINGER, b)',
    'sockbuf',
    OTHER,
  ],
  ["getOption(sock, 'SO_RCVBUF')", 'get_int', "s.getOption(u, 'SO_RCVBUF')", 'sockbuf', INT],
  ["setOption(sock, 'SO_RCVBUF', n)", 'set_int', "s.setOption(u, 'SO_RCVBUF', 65536)", 'sockbuf', INT],
  ["getOption(sock, 'SO_REUSEADDR')", 'get_bool', "s.getOption(u, 'SO_REUSEADDR')", 'sockbuf', INT],
  ["setOption(sock, 'SO_REUSEADDR', true)", 'set_bool', "s.setOption(u, 'SO_REUSEADDR', true)", 'sockbuf', INT],
  ["getOption(sock, 'SO_LINGER')", 'get_linger', "s.getOption(u, 'SO_LINGER')", 'sockbuf', OTHER],
  [
    "setOption(sock, 'SO_LINGER', {...})",
    'set_linger',
    "s.setOption(u, 'SO_LINGER', { enabled: true, seconds: 5 }, { unsafe: true })",
    'sockbuf',
    OTHER,
  ],
  ["getOption(sock, 'SO_RCVTIMEO')", 'get_timeval', "s.getOption(u, 'SO_RCVTIMEO')", 'sockbuf', OTHER],
  [
    "setOption(sock, 'SO_RCVTIMEO', ms)",
    'set_timeval',
    "s.setOption(u, 'SO_RCVTIMEO', 1500, { unsafe: true })",
    'sockbuf',
    OTHER,
  ],
  ['getRecvBufferSize(sock)', 'get_int', 's.getRecvBufferSize(u)', 'sockbuf', INT],
  ['getSendBufferSize(sock)', 'get_snd', 's.getSendBufferSize(u)', 'sockbuf', INT],
  ['getBufferSizes(sock)', 'get_two', 's.getBufferSizes(u)', 'sockbuf', OTHER],
  ['setRecvBufferSize(sock, n)', 'set_get', 's.setRecvBufferSize(u, 65536)', 'sockbuf', OTHER],
  ['setSendBufferSize(sock, n)', 'set_get_snd', 's.setSendBufferSize(u, 65536)', 'sockbuf', OTHER],
  [
    'setBufferSizes(sock, { recv, send })',
    'set_get_two',
    's.setBufferSizes(u, { recv: 65536, send: 65536 })',
    'sockbuf',
    OTHER,
  ],
  ['socketMemory(sock)', 'meminfo', 's.socketMemory(u)', 'sockbuf', OTHER, LINUX],
  ['queuedBytes(tcpSocket)', 'queued', 's.queuedBytes(t)', 'sockbuf', OTHER, LINUX],
  ['tcpInfo(tcpSocket)', 'tcpinfo', 's.tcpInfo(t)', 'sockbuf', OTHER, LINUX],
  ['systemLimits()', 'limits', 's.systemLimits()', 'sockbuf', 1.5, LINUX],
  ['Node dgram getRecvBufferSize()', 'get_int', 'u.getRecvBufferSize()', 'node'],
  ['Node dgram getSendBufferSize()', 'get_snd', 'u.getSendBufferSize()', 'node'],
  ['Node dgram setRecvBufferSize(n)', 'set_int', 'u.setRecvBufferSize(65536)', 'node'],
  ['Node dgram setSendBufferSize(n)', 'set_snd', 'u.setSendBufferSize(65536)', 'node'],
  ['sockopt getsockopt(SO_RCVBUF)', 'get_int', 'k.getsockopt(w, C.SOL_SOCKET, C.SO_RCVBUF)', 'sockopt'],
  ['sockopt setsockopt(SO_RCVBUF, n)', 'set_int', 'k.setsockopt(w, C.SOL_SOCKET, C.SO_RCVBUF, 65536)', 'sockopt'],
];

/**
 * A loop of its own per row (compiled from its expression), so that V8
 * specializes each call site alone: `n` calls, ns per call.
 */
function makeLoop(expr) {
  return new Function(
    'env',
    'n',
    'nowNs',
    `'use strict';
    const { s, u, fd, t, k, w, g, b, tb, C } = env;
    let sink;
    const t0 = nowNs();
    for (let i = 0; i < n; i++) sink = ${expr};
    const ns = (nowNs() - t0) / n;
    env.sink = sink;
    return ns;`,
  );
}

function boundUdp() {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve(sock));
  });
}

async function tcpPair() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise((resolve) => server.once('connection', resolve));
  const client = net.connect(server.address().port, '127.0.0.1');
  await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
  return { server, client, accepted: await accepted };
}

/** ns per call of `loop`: the fastest of `slices` slices of `perSlice` calls. */
function best(loop, env, perSlice, slices) {
  let min = Infinity;
  for (let i = 0; i < slices; i++) min = Math.min(min, loop(env, perSlice, nowNs));
  return positive(min, 'a loop');
}

function runC(exe, slices, counts) {
  const args = ['multi', String(slices), ...Object.entries(counts).map(([m, n]) => `${m}:${n}`)];
  const res = spawnSync(exe, args, { encoding: 'utf8' });
  check(res.status === 0, `cloop failed (status ${res.status}): ${res.stderr || res.error}`);
  const out = JSON.parse(res.stdout);
  for (const m of Object.keys(counts)) positive(out[m], `cloop ${m}`);
  return out;
}

const r3 = (x) => Math.round(x * 1000) / 1000;
const r1 = (x) => Math.round(x * 10) / 10;

/**
 * Runs every row and its C floor in `rounds` interleaved rounds; each sample
 * is the fastest of `slices` slices lasting about `sliceMs`.
 */
async function calls({ rounds = 21, slices = 5, sliceMs = 2 } = {}) {
  const { exe, cleanup } = compileCLoop();
  const u = await boundUdp();
  const pair = await tcpPair();
  try {
    const fd = resolveFd(u);
    const b = Buffer.alloc(8);
    b.writeInt32LE(1, 0);
    b.writeInt32LE(5, 4);
    // sockopt takes a net.Socket-like { _handle: { fd } }; a dgram socket has no _handle.
    const tb = Buffer.alloc(8);
    const env = {
      s: sockbuf,
      u,
      fd,
      t: pair.client,
      k: sockopt,
      w: { _handle: { fd } },
      g: sockbuf.getsockopt,
      b,
      tb,
      C,
    };
    const rows = ROWS.filter((r) => r[5] !== false && (r[3] !== 'sockopt' || sockopt !== null)).map(
      ([name, mode, expr, group, budget]) => ({ name, mode, expr, group, budget, loop: makeLoop(expr) }),
    );
    // Calibrate: warm every loop up (JIT) and size its slices to ~sliceMs.
    for (const row of rows) {
      const est = Math.min(best(row.loop, env, 200, 3), best(row.loop, env, 200, 3));
      row.perSlice = Math.max(20, Math.round((sliceMs * 1e6) / est));
    }
    const modes = [...new Set(rows.map((r) => r.mode))];
    const probe = runC(exe, 3, Object.fromEntries(modes.map((m) => [m, m === 'limits' ? 60 : 3000])));
    const cCounts = Object.fromEntries(
      modes.map((m) => [m, Math.max(20, Math.round((sliceMs * 1e6 * slices) / probe[m]))]),
    );
    const js = Object.fromEntries(rows.map((r) => [r.name, []]));
    const c = Object.fromEntries(modes.map((m) => [m, []]));
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? rows : [...rows].reverse();
      const runJs = () => {
        for (const row of order) js[row.name].push(best(row.loop, env, row.perSlice, slices));
      };
      const runCRound = () => {
        const out = runC(exe, slices, cCounts);
        for (const m of modes) c[m].push(out[m]);
      };
      // Alternate which side goes first.
      if (round % 2 === 0) {
        runJs();
        runCRound();
      } else {
        runCRound();
        runJs();
      }
      // Let pending I/O and timers (the cap refresh) run between rounds.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = rows.map((row) => {
      const ratios = js[row.name].map((v, i) => v / c[row.mode][i]);
      return {
        name: row.name.trim(),
        indent: row.name.startsWith(' '),
        group: row.group,
        cMode: row.mode,
        ns: r1(median(js[row.name])),
        cNs: r1(median(c[row.mode])),
        ratio: r3(median(ratios)),
        spread: r3(relativeSpread(ratios)),
        budget: row.budget ?? null,
      };
    });
    // The destructured form against the exports form, side by side per round.
    const viaExports = js[ROWS[0][0]];
    const destructured = js[ROWS[1][0]];
    const fastMode = r3(median(viaExports.map((v, i) => v / destructured[i])));
    return { rounds, slices, sliceMs, rows: result, exportsVsDestructured: fastMode };
  } finally {
    cleanup();
    u.close();
    pair.client.destroy();
    pair.accepted.destroy();
    pair.server.close();
  }
}

module.exports = { calls, ROWS };
