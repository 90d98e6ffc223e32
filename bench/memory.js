'use strict';
// Child process of bench/run.js, started with --expose-gc: millions of get/set
// calls, on the success and on the error paths, with the memory and the open
// descriptors compared after a forced GC. Prints one JSON line.
//
// usage: node --expose-gc bench/memory.js [CALLS] [CHUNKS] [WARMUP_CHUNKS]

const { Buffer } = require('node:buffer');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const { root, check, nowNs } = require('./common');

const sockbuf = require(path.join(root, 'dist'));
const { resolveFd } = require(path.join(root, 'dist', 'resolve'));

const { SOL_SOCKET, SO_RCVBUF, SO_SNDBUF } = sockbuf.constants;
const NO_SUCH_OPTION = 0x7ffe;

const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('bench/memory.js needs node --expose-gc');
  process.exit(2);
}

// The open descriptors: /proc on Linux, /dev/fd on macOS.
const FD_DIR = fs.existsSync('/proc/self/fd') ? '/proc/self/fd' : '/dev/fd';

function openFds() {
  return fs.readdirSync(FD_DIR).length;
}

/** An fd number that is not open in this process, so every call on it is EBADF. */
function closedFdNumber() {
  const open = new Set(fs.readdirSync(FD_DIR).map(Number));
  let fd = 900;
  while (open.has(fd)) fd++;
  return fd;
}

function settle() {
  // Several passes: weak callbacks and finalizers run between them.
  for (let i = 0; i < 4; i++) gc();
}

function snapshot() {
  settle();
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    fds: openFds(),
  };
}

function expectError(fn, code) {
  try {
    fn();
  } catch (err) {
    if (err.code === code) return 1;
    throw err;
  }
  throw new Error(`expected ${code}`);
}

/** The error-path calls; each mix makes one of them, in turn. */
const FAILING = [
  (fd, badFd) => expectError(() => sockbuf.getsockopt(badFd, SOL_SOCKET, SO_RCVBUF), 'EBADF'),
  (fd, badFd) => expectError(() => sockbuf.setsockopt(badFd, SOL_SOCKET, SO_RCVBUF, 65536), 'EBADF'),
  (fd) => expectError(() => sockbuf.getsockopt(fd, SOL_SOCKET, NO_SUCH_OPTION, 8), 'ENOPROTOOPT'),
  () => expectError(() => sockbuf.getsockopt('fd', SOL_SOCKET, SO_RCVBUF), 'ERR_INVALID_ARG_TYPE'),
  (fd) => expectError(() => sockbuf.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 2 ** 40), 'ERR_OUT_OF_RANGE'),
];

/**
 * One pass of the mix: 26 public calls (27 every eighth pass, with
 * systemLimits), every kind of public function, 4 of them returning Buffers
 * and 1 failing (EBADF, ENOPROTOOPT, ERR_INVALID_ARG_TYPE or ERR_OUT_OF_RANGE
 * in turn: throwing costs tens of microseconds, so one in 26 keeps the run
 * short).
 */
function mix(sock, fd, badFd, bytes, turn) {
  let n = 0;
  n += sockbuf.getsockopt(fd, SOL_SOCKET, SO_RCVBUF) > 0;
  sockbuf.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 65536);
  n += sockbuf.getsockopt(fd, SOL_SOCKET, SO_SNDBUF, 4).length === 4;
  sockbuf.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, bytes);
  n += sockbuf.getRecvBufferSize(sock) > 0;
  n += sockbuf.getSendBufferSize(sock) > 0;
  n += sockbuf.getBufferSizes(sock).recv > 0; // two calls
  n += sockbuf.getsockopt(sock, SOL_SOCKET, SO_RCVBUF, 64).length === 4;
  n += sockbuf.getsockopt(sock, SOL_SOCKET, SO_RCVBUF) > 0;
  sockbuf.setsockopt(sock, SOL_SOCKET, SO_RCVBUF, true);
  sockbuf.setsockopt(sock, SOL_SOCKET, SO_RCVBUF, 65536);
  n += sockbuf.getsockopt(fd, SOL_SOCKET, SO_SNDBUF) > 0;
  n += sockbuf.getRecvBufferSize(fd) > 0;
  sockbuf.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 65536);
  // Struct options, sizes with reports, observation: the byte area paths.
  sockbuf.setOption(sock, 'SO_LINGER', { enabled: true, seconds: 5 }, { unsafe: true });
  n += sockbuf.getOption(sock, 'SO_LINGER').seconds === 5;
  sockbuf.setOption(sock, 'SO_RCVTIMEO', 1500, { unsafe: true });
  n += sockbuf.getOption(sock, 'SO_RCVTIMEO') > 0;
  n += sockbuf.getOption(sock, 'SO_REUSEADDR') === false;
  n += sockbuf.setRecvBufferSize(sock, 65536).effective > 0;
  n += sockbuf.setBufferSizes(sock, { recv: 65536, send: 65536 }).send.effective > 0; // four calls
  n += sockbuf.socketMemory(sock).recvBuffer > 0;
  n += sockbuf.queuedBytes(sock).unsent === null; // three ioctls
  n += sockbuf.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, 5000).length === 4; // past the byte area
  if (turn % 8 === 0) n += sockbuf.systemLimits().recvMax > 0;
  n += FAILING[turn % FAILING.length](fd, badFd);
  return n;
}
/** Calls (public calls, not system calls) per mix, on average. */
const CALLS_PER_MIX = 26 + 1 / 8;
const checksPerMix = (turn) => 18 + (turn % 8 === 0 ? 1 : 0);
const ERRORS_PER_MIX = 1;
const BUFFERS_PER_MIX = 4;

/** Least-squares slope of y over x. */
function slope(xs, ys) {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const FIELDS = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers', 'fds'];

function run(sock, { calls, chunks, warmupChunks }) {
  const fd = resolveFd(sock);
  const badFd = closedFdNumber();
  const bytes = Buffer.alloc(4);
  bytes.writeInt32LE(65536);
  const mixesPerChunk = Math.ceil(calls / chunks / CALLS_PER_MIX / 8) * 8;
  const callsPerChunk = mixesPerChunk * CALLS_PER_MIX;
  let expected = 0;
  for (let i = 0; i < mixesPerChunk; i++) expected += checksPerMix(i);
  const doChunk = () => {
    let ok = 0;
    for (let i = 0; i < mixesPerChunk; i++) ok += mix(sock, fd, badFd, bytes, i);
    check(ok === expected, `the call mix gave wrong results (${ok} of ${expected})`);
  };
  // Warm-up, in the same rhythm as the measured part (a chunk, then a GC):
  // JIT code, lazily created objects, malloc arenas and V8's heap sizing.
  for (let c = 0; c < warmupChunks; c++) {
    doChunk();
    snapshot();
  }
  const baseline = { calls: 0, ...snapshot() };
  const series = [baseline];
  const t0 = nowNs();
  for (let c = 0; c < chunks; c++) {
    doChunk();
    series.push({ calls: (c + 1) * callsPerChunk, ...snapshot() });
  }
  const seconds = (nowNs() - t0) / 1e9;
  const after = series[series.length - 1];
  const millions = after.calls / 1e6;
  const growth = {};
  const perMillion = {};
  const fitted = {};
  for (const f of FIELDS) {
    growth[f] = after[f] - baseline[f];
    const s = slope(
      series.map((p) => p.calls / 1e6),
      series.map((p) => p[f]),
    );
    perMillion[f] = Math.round(s);
    fitted[f] = Math.round(s * millions);
  }
  return {
    calls: Math.round(after.calls),
    errorCalls: (after.calls / CALLS_PER_MIX) * ERRORS_PER_MIX,
    bufferCalls: (after.calls / CALLS_PER_MIX) * BUFFERS_PER_MIX,
    warmupCalls: warmupChunks * callsPerChunk,
    seconds: Math.round(seconds * 100) / 100,
    baseline,
    after,
    growth,
    perMillion,
    fitted,
    series,
  };
}

function main() {
  const calls = Number(process.argv[2] || 5e6);
  const chunks = Number(process.argv[3] || 6);
  const warmupChunks = Number(process.argv[4] || 2);
  check(calls > 0 && chunks > 0 && warmupChunks >= 0, 'bad arguments');
  const sock = dgram.createSocket('udp4');
  sock.bind(0, '127.0.0.1', () => {
    let result;
    try {
      result = run(sock, { calls, chunks, warmupChunks });
    } finally {
      sock.close();
    }
    process.stdout.write(JSON.stringify(result) + '\n');
  });
}

main();
