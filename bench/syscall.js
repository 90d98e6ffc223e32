'use strict';
// Per-call cost of sockbuf's getters and setters, against a C loop doing the
// same system call in a multi-threaded process, and against Node's own
// dgram getRecvBufferSize.

const { execFileSync, spawnSync } = require('node:child_process');
const dgram = require('node:dgram');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, nowNs, median, relativeSpread, check, positive, interleave, pairedRatios } = require('./common');

const sockbuf = require(path.join(root, 'dist'));
const native = require(path.join(root, 'dist', 'binding')).loadNative();
const { resolveFd } = require(path.join(root, 'dist', 'resolve'));

const { SOL_SOCKET, SO_RCVBUF } = sockbuf.constants;
const SET_VALUE = 65536;

function boundUdpSocket() {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
  });
}

// One loop per variant, so that V8 can inline each call site on its own.

function loopSockbufGet(fd, n) {
  let sum = 0;
  const t0 = nowNs();
  for (let i = 0; i < n; i++) sum += sockbuf.getsockopt(fd, SOL_SOCKET, SO_RCVBUF);
  const t1 = nowNs();
  check(sum > 0, 'sockbuf.getsockopt returned nothing');
  return (t1 - t0) / n;
}

// The native call alone: the binding reads its int arguments from a shared
// frame (getIntFrame / setIntFrame), without lib's resolution and checks.
const frame = native.frame;

function loopFrameGet(fd, n) {
  let sum = 0;
  const t0 = nowNs();
  for (let i = 0; i < n; i++) {
    frame[0] = fd;
    frame[1] = SOL_SOCKET;
    frame[2] = SO_RCVBUF;
    native.getIntFrame();
    sum += frame[3];
  }
  const t1 = nowNs();
  check(sum > 0 && frame[4] === 0, 'native.getIntFrame returned nothing');
  return (t1 - t0) / n;
}

function loopFrameSet(fd, n) {
  let errors = 0;
  const t0 = nowNs();
  for (let i = 0; i < n; i++) {
    frame[0] = fd;
    frame[1] = SOL_SOCKET;
    frame[2] = SO_RCVBUF;
    frame[3] = SET_VALUE;
    native.setIntFrame();
    errors += frame[4];
  }
  const t1 = nowNs();
  check(errors === 0, 'native.setIntFrame failed');
  return (t1 - t0) / n;
}

function loopSockbufSet(fd, n) {
  const t0 = nowNs();
  for (let i = 0; i < n; i++) sockbuf.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, SET_VALUE);
  return (nowNs() - t0) / n;
}

function loopSockbufDgramGetter(sock, n) {
  let sum = 0;
  const t0 = nowNs();
  for (let i = 0; i < n; i++) sum += sockbuf.getRecvBufferSize(sock);
  const t1 = nowNs();
  check(sum > 0, 'sockbuf.getRecvBufferSize returned nothing');
  return (t1 - t0) / n;
}

function loopNodeDgramGetter(sock, n) {
  let sum = 0;
  const t0 = nowNs();
  for (let i = 0; i < n; i++) sum += sock.getRecvBufferSize();
  const t1 = nowNs();
  check(sum > 0, 'dgram getRecvBufferSize returned nothing');
  return (t1 - t0) / n;
}

/**
 * One sample: `calls` calls of `loop` in `slices` equal slices, the fastest
 * slice's ns per call. A slice that the scheduler interrupted (other work on
 * the machine) is dropped; the C loop is sampled the same way.
 */
function best(loop, target, calls, slices) {
  const n = Math.floor(calls / slices);
  let min = Infinity;
  for (let i = 0; i < slices; i++) min = Math.min(min, loop(target, n));
  return min;
}

/** Compiles bench/cloop.c into a temporary folder; returns the binary and a cleanup. */
function compileCLoop() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockbuf-bench-'));
  const exe = path.join(dir, 'cloop');
  const compiler = process.env.CC || 'cc';
  try {
    execFileSync(compiler, ['-O2', '-pthread', '-o', exe, path.join(__dirname, 'cloop.c')], { stdio: 'pipe' });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    const detail = err.stderr ? String(err.stderr).trim() : err.message;
    throw new Error(`cannot compile bench/cloop.c with ${compiler}: ${detail}`);
  }
  return { exe, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function runCLoop(exe, mode, calls, slices) {
  const res = spawnSync(exe, [mode, String(calls), String(slices)], { encoding: 'utf8' });
  check(res.status === 0, `cloop ${mode} failed (status ${res.status}): ${res.stderr || res.error}`);
  const out = JSON.parse(res.stdout);
  positive(out.ns, `cloop ${mode}`);
  return out;
}

function summary(samples) {
  return { medianNs: round(median(samples)), spread: round(relativeSpread(samples), 4), samples: samples.map(round) };
}

function round(x, digits = 2) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * Raw fd: sockbuf.getsockopt/setsockopt(fd, SOL_SOCKET, SO_RCVBUF) and the
 * bare native binding, against the C loop, all interleaved in the same rounds.
 */
async function rawFd({ rounds = 21, calls = 50000, slices = 5 } = {}) {
  const { exe, cleanup } = compileCLoop();
  let sock;
  try {
    sock = await boundUdpSocket();
    const fd = resolveFd(sock);
    check(Number.isInteger(fd) && fd > 2, `unexpected fd ${fd}`);
    let cSetValue = 0;
    const variants = {
      sockbufGet: () => best(loopSockbufGet, fd, calls, slices),
      nativeGet: () => best(loopFrameGet, fd, calls, slices),
      cGet: () => runCLoop(exe, 'get', calls, slices).ns,
      sockbufSet: () => best(loopSockbufSet, fd, calls, slices),
      nativeSet: () => best(loopFrameSet, fd, calls, slices),
      cSet: () => {
        const out = runCLoop(exe, 'set', calls, slices);
        cSetValue = out.value;
        return out.ns;
      },
    };
    // Warm-up: JIT-compile every loop and settle the socket's state.
    for (let i = 0; i < 2; i++) for (const v of Object.values(variants)) v();
    const s = interleave(variants, rounds);
    // Both sides set the same size on the same kind of socket: they must agree.
    const jsValue = sockbuf.getsockopt(fd, SOL_SOCKET, SO_RCVBUF);
    check(jsValue === cSetValue, `sockbuf reads ${jsValue} where the C loop reads ${cSetValue} after the same set`);
    const result = {
      calls,
      slices,
      rounds,
      value: jsValue,
      get: {
        sockbuf: summary(s.sockbufGet),
        native: summary(s.nativeGet),
        c: summary(s.cGet),
        ratio: round(median(pairedRatios(s.sockbufGet, s.cGet)), 3),
        nativeRatio: round(median(pairedRatios(s.nativeGet, s.cGet)), 3),
      },
      set: {
        sockbuf: summary(s.sockbufSet),
        native: summary(s.nativeSet),
        c: summary(s.cSet),
        ratio: round(median(pairedRatios(s.sockbufSet, s.cSet)), 3),
        nativeRatio: round(median(pairedRatios(s.nativeSet, s.cSet)), 3),
      },
    };
    return result;
  } finally {
    cleanup();
    if (sock) sock.close();
  }
}

/** sockbuf.getRecvBufferSize(udpSocket) against Node's udpSocket.getRecvBufferSize(). */
async function dgramGetter({ rounds = 21, calls = 50000, slices = 5 } = {}) {
  const sock = await boundUdpSocket();
  try {
    const ours = sockbuf.getRecvBufferSize(sock);
    const node = sock.getRecvBufferSize();
    check(ours === node, `sockbuf.getRecvBufferSize gives ${ours}, Node gives ${node}`);
    for (let i = 0; i < 2; i++) {
      loopSockbufDgramGetter(sock, calls);
      loopNodeDgramGetter(sock, calls);
    }
    const s = interleave(
      {
        sockbuf: () => best(loopSockbufDgramGetter, sock, calls, slices),
        node: () => best(loopNodeDgramGetter, sock, calls, slices),
      },
      rounds,
    );
    return {
      calls,
      slices,
      rounds,
      sockbuf: summary(s.sockbuf),
      node: summary(s.node),
      ratio: round(median(pairedRatios(s.sockbuf, s.node)), 3),
    };
  } finally {
    sock.close();
  }
}

module.exports = { rawFd, dgramGetter, round, compileCLoop };
