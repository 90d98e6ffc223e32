// The addon in worker threads: several environments load it at once, each
// uses it on its own UDP socket and its own failing calls (the errno of a
// failed getter is per-environment state in the addon), and workers end in
// every way one can: they finish, call process.exit with a socket open, or
// are terminated while loading or in the middle of their calls. Afterwards
// the process must still work: no crash, no leaked descriptor, and the main
// thread's calls still right.
//
// Workers load the compiled package (dist/), the way users' code does;
// `npm ci` builds it through the package's prepare script.
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { constants as c, getRecvBufferSize, getsockopt, runtime, setRecvBufferSize } from '../lib';
import { closeAll, track } from './helpers';

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

// A descriptor number that is never open: getsockopt gives EBADF without
// racing with the descriptors other threads open and close.
const NEVER_OPEN_FD = 2 ** 31 - 1;
// Each worker expects its own failure, so an errno leaking from one
// environment to another shows up as a wrong code.
const CODES = ['ENOPROTOOPT', 'EBADF', 'ENOTSOCK'] as const;

type Mode = 'finish' | 'forever' | 'exit';
interface WorkerData {
  id: number;
  dist: string;
  notSocketFd: number;
  mode: Mode;
  rounds: number;
}

// Runs inside each worker (CommonJS, evaluated). A round sets the receive
// buffer to a size no other worker uses, makes the worker's own call fail,
// then reads the size back three ways. Sizes stay under the default
// net.core.rmem_max (212992, so 106496 per request) for ids up to 23.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const dgram = require('node:dgram');
const { id, dist, notSocketFd, mode, rounds } = workerData;
const sockbuf = require(dist);
const { SOL_SOCKET, SO_RCVBUF } = sockbuf.constants;
const CODES = ${JSON.stringify(CODES)};
const expected = CODES[id % 3];

function failOnce(sock) {
  try {
    if (id % 3 === 0) sockbuf.getsockopt(sock, SOL_SOCKET, 9999);
    else if (id % 3 === 1) sockbuf.getsockopt(${NEVER_OPEN_FD}, SOL_SOCKET, SO_RCVBUF);
    else sockbuf.getsockopt(notSocketFd, SOL_SOCKET, SO_RCVBUF);
  } catch (err) {
    if (err.code === expected) return;
    throw new Error('worker ' + id + ': expected ' + expected + ', got ' + err.code + ': ' + err.message);
  }
  throw new Error('worker ' + id + ': the failing call succeeded');
}

function round(sock, i) {
  const requested = 8192 + id * 4096 + (i % 8) * 256;
  const report = sockbuf.setRecvBufferSize(sock, requested);
  for (let k = 0; k < 4; k++) failOnce(sock);
  const raw = sockbuf.getsockopt(sock, SOL_SOCKET, SO_RCVBUF);
  const got = sockbuf.getRecvBufferSize(sock);
  const want = process.platform === 'linux' ? 2 * requested : requested;
  if (report.requested !== requested || report.effective !== want || raw !== want || got !== want) {
    throw new Error('worker ' + id + ' round ' + i + ': asked ' + requested + ', report ' +
      JSON.stringify(report) + ', getsockopt ' + raw + ', getRecvBufferSize ' + got);
  }
}

const sock = dgram.createSocket('udp4');
sock.bind(0, '127.0.0.1', async () => {
  let i = 0;
  for (;;) {
    // Bursts of synchronous calls, then a turn of the event loop, so that a
    // termination can land in either.
    for (let j = 0; j < 25; j++) round(sock, i++);
    if (i === 25) parentPort.postMessage({ started: true });
    if (mode === 'exit' && i >= rounds) process.exit(0);
    if (mode === 'finish' && i >= rounds) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  sock.close(() => parentPort.postMessage({ done: i }));
});
`;

interface Outcome {
  id: number;
  code: number;
  error?: Error;
  messages: Array<{ started?: boolean; done?: number }>;
}

function startWorker(
  id: number,
  mode: Mode,
  notSocketFd: number,
  rounds = 0,
): { worker: Worker; ended: Promise<Outcome> } {
  const data: WorkerData = { id, dist, notSocketFd, mode, rounds };
  const worker = new Worker(workerSource, { eval: true, workerData: data });
  const outcome: Outcome = { id, code: -1, messages: [] };
  worker.on('message', (m: Outcome['messages'][number]) => outcome.messages.push(m));
  worker.on('error', (err: Error) => {
    outcome.error = err;
  });
  const ended = once(worker, 'exit').then(([code]) => {
    outcome.code = code as number;
    return outcome;
  });
  return { worker, ended };
}

function started(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: { started?: boolean }): void => {
      if (!m.started) return;
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('exit', () => resolve());
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Descriptors of this process that a worker could leave behind. */
function leftovers(): { udp: Set<string>; loop: number } {
  const udpInodes = new Set<string>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) udpInodes.add(inode);
    }
  }
  const udp = new Set<string>();
  let loop = 0;
  for (const name of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${name}`);
    } catch {
      continue; // the listing's own descriptor, closed by now
    }
    const socket = /^socket:\[(\d+)\]$/.exec(target);
    if (socket && udpInodes.has(socket[1])) udp.add(target);
    // Each worker's event loop has an epoll and an eventfd descriptor.
    if (/^anon_inode:\[?(eventpoll|eventfd)/.test(target)) loop++;
  }
  return { udp, loop };
}

let notSocketFd = -1;
let before: ReturnType<typeof leftovers> = { udp: new Set(), loop: 0 };

beforeAll(() => {
  if (!existsSync(path.join(dist, 'index.js'))) {
    throw new Error(
      `${path.join(dist, 'index.js')} is missing: the worker tests load the compiled package. ` +
        `Build it with 'npm run build:ts' ('npm ci' does it through the prepare script).`,
    );
  }
  // A regular file: getsockopt on it fails with ENOTSOCK. Opened here and
  // shared, because a worker that is terminated could not close its own.
  notSocketFd = openSync(__filename, 'r');
  before = leftovers();
});

afterAll(() => {
  if (notSocketFd >= 0) closeSync(notSocketFd);
});

afterEach(closeAll);

test('six workers load the addon at once and each gets its own sizes and errnos', async () => {
  const runs = Array.from({ length: 6 }, (_, id) => startWorker(id, 'finish', notSocketFd, 400));
  // The main thread works at the same time, with a failure of its own
  // (EBADF) between a set and a get.
  const sock = track(dgram.createSocket('udp4'));
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  for (let i = 0; i < 200; i++) {
    const requested = 65536 + (i % 8) * 256;
    const report = setRecvBufferSize(sock, requested);
    expect(() => getsockopt(NEVER_OPEN_FD, c.SOL_SOCKET, c.SO_RCVBUF)).toThrow(
      expect.objectContaining({ code: 'EBADF' }),
    );
    expect(getsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF)).toBe(report.effective);
    if (i % 20 === 0) await sleep(1);
  }
  const outcomes = await Promise.all(runs.map((r) => r.ended));
  for (const o of outcomes) {
    expect({ id: o.id, error: o.error?.message, code: o.code }).toEqual({ id: o.id, error: undefined, code: 0 });
    expect(o.messages).toContainEqual({ done: 400 });
  }
});

test('workers that exit with a socket open, or are terminated while loading or working, leave the process healthy', async () => {
  const runs: Array<Promise<Outcome>> = [];
  let id = 0;
  // Terminated at once or after a few milliseconds: while the worker starts,
  // requires the package or registers the addon in its environment.
  for (const delay of [0, 1, 3, 8, 15, 30]) {
    const { worker, ended } = startWorker(id++, 'forever', notSocketFd);
    runs.push(ended);
    if (delay > 0) await sleep(delay);
    void worker.terminate();
  }
  // Terminated in the middle of their rounds.
  const busyIds = [id, id + 1, id + 2, id + 3];
  const busy = busyIds.map((n) => startWorker(n, 'forever', notSocketFd));
  id += busyIds.length;
  runs.push(...busy.map((b) => b.ended));
  // Ending themselves with process.exit() while their socket is open.
  for (let k = 0; k < 2; k++) runs.push(startWorker(id++, 'exit', notSocketFd, 100).ended);

  await Promise.all(busy.map((b) => started(b.worker)));
  await sleep(20);
  await Promise.all(busy.map((b) => b.worker.terminate()));

  const outcomes = await Promise.all(runs);
  for (const o of outcomes) {
    // A terminated worker exits with code 1; none may report an error.
    expect({ id: o.id, error: o.error?.message }).toEqual({ id: o.id, error: undefined });
  }
  for (const o of outcomes.filter((x) => busyIds.includes(x.id))) expect(o.messages).toContainEqual({ started: true });
  expect(outcomes.slice(-2).map((o) => o.code)).toEqual([0, 0]);
});

test('hundreds of workers terminated at random points of loading the addon never abort the process', () => {
  // A worker terminated while the addon's init runs makes every N-API call
  // fail; node-addon-api used to turn that into a fatal napi_throw error
  // (SIGABRT) unless NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS is defined.
  // In a child process, so that an abort is reported rather than taking jest down.
  const script = `
    const { Worker } = require('node:worker_threads');
    (async () => {
      for (let i = 0; i < 200; i++) {
        const w = new Worker(${JSON.stringify(`require(${JSON.stringify(dist)});`)}, { eval: true });
        w.on('error', () => {});
        await new Promise((r) => setTimeout(r, (i * 7) % 30));
        await w.terminate();
      }
      const s = require(${JSON.stringify(dist)});
      console.log('survived', typeof s.getsockopt);
    })();`;
  const res = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  expect(res.stderr).not.toMatch(/FATAL ERROR/);
  expect({ status: res.status, signal: res.signal, stdout: res.stdout.trim() }).toEqual({
    status: 0,
    signal: null,
    stdout: 'survived function',
  });
}, 90_000);

test('afterwards the main thread still uses the addon, and no descriptor was left open', async () => {
  const sock = track(dgram.createSocket('udp4'));
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  const report = setRecvBufferSize(sock, 32768);
  expect(report.effective).toBe(process.platform === 'linux' ? 65536 : 32768);
  expect(getRecvBufferSize(sock)).toBe(report.effective);
  expect(() => getsockopt(sock, c.SOL_SOCKET, 9999)).toThrow(expect.objectContaining({ code: 'ENOPROTOOPT' }));
  expect(() => getsockopt(notSocketFd, c.SOL_SOCKET, c.SO_TYPE)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }));
  await closeAll();
  // Every worker's UDP socket and event loop descriptors are closed by now
  // (on Linux, where /proc tells which descriptors are UDP sockets).
  const after = leftovers();
  expect([...after.udp].filter((s) => !before.udp.has(s))).toEqual([]);
  // The event loops' epoll/eventfd descriptors are the runtime's, not
  // sockbuf's. Under Bun, after the test above terminated hundreds of
  // workers while they loaded, two more stayed open in some runs (4 against
  // 2; none after six finished or terminated workers): checked on Node only.
  if (runtime !== 'bun') expect(after.loop).toBeLessThanOrEqual(before.loop);
  // A fresh worker still loads and works after all the terminations.
  const last = startWorker(12, 'finish', notSocketFd, 50);
  const outcome = await last.ended;
  expect({ error: outcome.error?.message, code: outcome.code }).toEqual({ error: undefined, code: 0 });
  expect(outcome.messages).toContainEqual({ done: 50 });
});
