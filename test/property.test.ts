// Property tests: every public function, called with random socket-likes and
// random arguments of every JavaScript type, on real descriptors.
//
// Invariants checked on every call:
//  - the process survives (a crash would end the jest worker);
//  - every throw is an Error with a string code shaped like a code, of a
//    documented kind (Node's argument errors, sockbuf's own codes, or a
//    system error carrying errno/syscall/fd for the descriptor passed);
//  - a socket-like that cannot be resolved gets its resolution error before
//    any argument is looked at, whatever the arguments;
//  - raw gets never return more bytes than asked; results have their
//    documented shapes;
//  - no descriptor is opened, closed or leaked (/proc/self/fd is unchanged);
//  - a call on a destroyed socket never reaches the socket that now holds
//    its old descriptor number.
//
// Safety of the run itself: random calls act only on descriptors this file
// opened for the purpose (dedicated sockets, a regular file, a FIFO,
// /dev/null) or on numbers that cannot be descriptors (at or above
// RLIMIT_NOFILE, or out of int32 range); never on jest's pipes or stdio.
// Random level/option pairs avoid IPPROTO_IP / IPPROTO_IPV6 numbers outside
// the known options (netfilter and IPVS live there, and they act on the whole
// network namespace), and never send random names to TCP_CONGESTION or
// TCP_ULP (the kernel would try to load modules named after them).
//
// FC_SEED=<n> replays a run; FC_SCALE=<x> multiplies the number of runs (for
// a longer hunt: FC_SCALE=10).
// fast-check prints the seed and path of any failure.
import { spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { constants as osConstants, tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { Duplex } from 'node:stream';
import { getSystemErrorName, types } from 'node:util';
import * as fc from 'fast-check';
import {
  configureServer,
  constants as c,
  getBufferSizes,
  getOption,
  getRecvBufferSize,
  getSendBufferSize,
  getsockopt,
  MAX_GET_LENGTH,
  optionCatalog,
  queuedBytes,
  setBufferSizes,
  setOption,
  setRecvBufferSize,
  setSendBufferSize,
  setsockopt,
  socketMemory,
  systemLimits,
} from '../lib';
import {
  boundUdp,
  closeAll,
  listeningServer,
  portOf,
  pythonSync,
  stuckListener,
  tcpPair,
  tlsCert,
  tlsKey,
  tlsPair,
  track,
} from './helpers';

jest.setTimeout(120_000);
const expect_ = expect;

// ---------------------------------------------------------------------------
// Run parameters

const SEED = process.env.FC_SEED !== undefined && process.env.FC_SEED !== '' ? Number(process.env.FC_SEED) : undefined;
const SCALE = Number(process.env.FC_SCALE ?? '') > 0 ? Number(process.env.FC_SCALE) : 1;

function params(numRuns: number): fc.Parameters<unknown> {
  const p: fc.Parameters<unknown> = { numRuns: Math.max(1, Math.round(numRuns * SCALE)) };
  if (SEED !== undefined && Number.isInteger(SEED)) p.seed = SEED;
  return p;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function openFds(): string[] {
  return readdirSync('/proc/self/fd').sort((a, b) => Number(a) - Number(b));
}

function describeFds(fds: string[]): string {
  return fds
    .map((fd) => {
      try {
        return `${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`;
      } catch {
        return `${fd} -> ?`;
      }
    })
    .join('\n');
}

/** The current soft RLIMIT_NOFILE: the kernel never hands out a descriptor at or above it. */
function nofileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'latin1')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const soft = line === undefined ? NaN : Number(line.trim().split(/\s+/)[3]);
  if (!Number.isInteger(soft) || soft <= 0)
    throw new Error(`cannot read RLIMIT_NOFILE from /proc/self/limits: ${line}`);
  return soft;
}

// ---------------------------------------------------------------------------
// Markers on generated views, so a failure report says what kind of view it was.

/** Marks a TypedArray/DataView whose byteLength/byteOffset/buffer are shadowed by own properties. */
const SPOOFED_VIEW = Symbol('spoofed view');
/** Marks a DataView left out of bounds by shrinking its resizable ArrayBuffer. */
const OUT_OF_BOUNDS_DATAVIEW = Symbol('out-of-bounds DataView');

// ---------------------------------------------------------------------------
// Socket-likes

type Kind =
  | 'tcp'
  | 'tcp-listen'
  | 'tcp-connecting'
  | 'tcp6'
  | 'udp'
  | 'udp6'
  | 'unix'
  | 'unix-listen'
  | 'file'
  | 'fifo'
  | 'devnull'
  | 'dir'
  | 'none';

interface Resolves {
  fd: number;
  kind: Kind;
}

/** What a socket-like must resolve to. */
type Expect =
  | { resolves: Resolves }
  | { code: string }
  // A value whose own code throws (a getter, a proxy trap): its error passes through.
  | { user: unknown };

interface SockCase {
  label: string;
  /** Made fresh for each run (some values are single-use). */
  make(): unknown;
  expect: Expect;
  isServer?: boolean;
  /** For a connection: true once it has been closed (by its peer or the kernel); it then must say so. */
  gone?: () => boolean;
}

const USER_ERROR = new Error('thrown by a user getter');

const live: SockCase[] = [];
const dead: SockCase[] = [];
const oddFd: SockCase[] = [];
const children: ChildProcess[] = [];
/** Stops the helpers' background processes (the stuck listener). */
const stops: (() => void)[] = [];
let scratchDir = '';
const ownFds: number[] = [];
let baselineFds: string[] = [];

function fdOfStream(s: net.Socket | net.Server): number {
  const fd = (s as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) throw new Error('test setup: no fd');
  return fd;
}

function fdOfDgram(s: dgram.Socket): number {
  // The test reads Node's internal state itself, independently of lib/resolve.ts.
  for (const sym of Object.getOwnPropertySymbols(s)) {
    const state = (s as unknown as Record<symbol, { handle?: { fd?: unknown } | null }>)[sym];
    const fd = state?.handle?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
  }
  throw new Error('test setup: no dgram fd');
}

/**
 * A live descriptor. Listening sockets, UDP sockets and files cannot be closed
 * by anything the run does, so they are also passed as their bare number and
 * as { fd }. Connections can (a random TCP_SYNCNT or keepalive setting may end
 * one), so they are passed only as objects, resolved at call time: a bare
 * number of a connection that ended could by then name someone else's socket.
 */
function addLive(
  label: string,
  value: object,
  kind: Kind,
  fd: number,
  opts: { isServer?: boolean; connection?: net.Socket } = {},
): void {
  const conn = opts.connection;
  live.push({
    label,
    make: () => value,
    expect: { resolves: { fd, kind } },
    isServer: opts.isServer,
    gone: conn === undefined ? undefined : () => conn.destroyed,
  });
  if (conn !== undefined) return;
  live.push({ label: `${label} as fd ${fd}`, make: () => fd, expect: { resolves: { fd, kind } } });
  live.push({ label: `${label} as { fd: ${fd} }`, make: () => ({ fd }), expect: { resolves: { fd, kind } } });
}

function addDead(label: string, value: object, code: string, isServer = false): void {
  dead.push({ label, make: () => value, expect: { code }, isServer });
}

async function closedServer(): Promise<net.Server> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  (server as unknown as { _sockbufPort?: number })._sockbufPort = portOf(server);
  server.close();
  await once(server, 'close');
  return server;
}

async function setupPool(): Promise<void> {
  // TCP over IPv4: listening server, client, accepted socket.
  const { server, client, accepted } = await tcpPair();
  addLive('tcp server', server, 'tcp-listen', fdOfStream(server), { isServer: true });
  addLive('tcp client', client, 'tcp', fdOfStream(client), { connection: client });
  addLive('tcp accepted', accepted, 'tcp', fdOfStream(accepted), { connection: accepted });

  // TCP over IPv6.
  const server6 = track(net.createServer());
  server6.listen(0, '::1');
  await once(server6, 'listening');
  // The accepted end is tracked too: closing the server then never waits on
  // a FIN from client6, which a random call may have made undeliverable
  // (a hop limit, a device binding) before the reset.
  const accepted6P = once(server6, 'connection') as Promise<[net.Socket]>;
  const client6 = track(net.connect(portOf(server6), '::1'));
  await once(client6, 'connect');
  const [accepted6] = await accepted6P;
  track(accepted6);
  addLive('tcp6 server', server6, 'tcp-listen', fdOfStream(server6), { isServer: true });
  addLive('tcp6 client', client6, 'tcp', fdOfStream(client6), { connection: client6 });

  // TLS and HTTP: the TCP sockets behind them.
  const tlsServer = track(tls.createServer({ key: tlsKey, cert: tlsCert }));
  const secured = once(tlsServer, 'secureConnection') as Promise<[tls.TLSSocket]>;
  tlsServer.listen(0, '127.0.0.1');
  await once(tlsServer, 'listening');
  const tlsClient = track(
    tls.connect({ port: portOf(tlsServer), host: '127.0.0.1', ca: tlsCert, servername: 'localhost' }),
  );
  await once(tlsClient, 'secureConnect');
  const [tlsAccepted] = await secured;
  track(tlsAccepted);
  addLive('tls server', tlsServer, 'tcp-listen', fdOfStream(tlsServer), { isServer: true });
  addLive('tls client', tlsClient, 'tcp', fdOfStream(tlsClient), { connection: tlsClient });
  addLive('tls accepted', tlsAccepted, 'tcp', fdOfStream(tlsAccepted), { connection: tlsAccepted });
  const httpServer = track(http.createServer());
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  addLive('http server', httpServer, 'tcp-listen', fdOfStream(httpServer), { isServer: true });

  // UDP: bound v4 and v6, and a connected one.
  const udp = await boundUdp('udp4');
  addLive('udp4 bound', udp, 'udp', fdOfDgram(udp));
  const udp6 = await boundUdp('udp6');
  addLive('udp6 bound', udp6, 'udp6', fdOfDgram(udp6));
  const udpConnected = await boundUdp('udp4');
  udpConnected.connect((udp.address() as net.AddressInfo).port, '127.0.0.1');
  await once(udpConnected, 'connect');
  addLive('udp4 connected', udpConnected, 'udp', fdOfDgram(udpConnected));

  // Unix domain sockets.
  scratchDir = mkdtempSync(path.join(tmpdir(), 'sockbuf-prop-'));
  const unixServer = track(net.createServer());
  unixServer.listen(path.join(scratchDir, 'sock'));
  await once(unixServer, 'listening');
  const unixAcceptedP = once(unixServer, 'connection') as Promise<[net.Socket]>;
  const unixClient = track(net.connect(path.join(scratchDir, 'sock')));
  await once(unixClient, 'connect');
  const [unixAccepted] = await unixAcceptedP;
  track(unixAccepted);
  addLive('unix server', unixServer, 'unix-listen', fdOfStream(unixServer), { isServer: true });
  addLive('unix client', unixClient, 'unix', fdOfStream(unixClient), { connection: unixClient });
  addLive('unix accepted', unixAccepted, 'unix', fdOfStream(unixAccepted), { connection: unixAccepted });

  // A child's stdin: a net.Socket over a Pipe handle (libuv makes it a socketpair).
  const sleeper = spawn('sleep', ['600'], { stdio: ['pipe', 'ignore', 'ignore'] });
  children.push(sleeper);
  const stdinPipe = sleeper.stdin as net.Socket;
  addLive('child stdin pipe', stdinPipe, 'unix', fdOfStream(stdinPipe), { connection: stdinPipe });

  // A client stuck connecting (its SYN is dropped by a full accept queue).
  const stuck = await stuckListener();
  stops.push(stuck.stop);
  const stuckPort = stuck.port;
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 3; i++) {
    const s = track(net.connect(stuckPort, '127.0.0.1'));
    s.on('error', () => {});
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 200));
  const connecting = fillers.find((s) => s.connecting);
  if (connecting === undefined) throw new Error('test setup: no client stayed in SYN_SENT');
  addLive('tcp client connecting', connecting, 'tcp-connecting', fdOfStream(connecting), { connection: connecting });

  // Descriptors that are not sockets.
  const file = openSync(__filename, 'r');
  ownFds.push(file);
  addLive('regular file', { fd: file }, 'file', file);
  const dir = openSync(__dirname, 'r');
  ownFds.push(dir);
  addLive('directory', { fd: dir }, 'dir', dir);
  const fifoPath = path.join(scratchDir, 'fifo');
  const mk = spawn('mkfifo', [fifoPath]);
  const [mkStatus] = (await once(mk, 'exit')) as [number];
  if (mkStatus !== 0) throw new Error('test setup: mkfifo failed');
  const fifo = openSync(fifoPath, 'r+'); // O_RDWR: does not wait for a peer
  ownFds.push(fifo);
  addLive('fifo', { fd: fifo }, 'fifo', fifo);
  const devnull = openSync('/dev/null', 'r+');
  ownFds.push(devnull);
  addLive('/dev/null', { fd: devnull }, 'devnull', devnull);

  // Numbers that are valid fd numbers but can never be open descriptors.
  const limit = nofileLimit();
  for (const n of [limit, limit + 1, 1 << 24, INT32_MAX]) {
    if (n > INT32_MAX) continue;
    live.push({ label: `never-open fd ${n}`, make: () => n, expect: { resolves: { fd: n, kind: 'none' } } });
    live.push({
      label: `never-open { fd: ${n} }`,
      make: () => ({ fd: n }),
      expect: { resolves: { fd: n, kind: 'none' } },
    });
  }

  // Sockets without a descriptor, or whose descriptor is gone.
  addDead('net.Socket never connected', new net.Socket(), 'ERR_SOCKBUF_NO_FD');
  addDead('net.Server never listening', net.createServer(), 'ERR_SOCKBUF_NO_FD', true);
  addDead('net.Server closed', await closedServer(), 'ERR_SOCKBUF_NO_FD', true);
  const unbound = track(dgram.createSocket('udp4'));
  addDead('dgram unbound', unbound, 'ERR_SOCKBUF_NO_FD');
  const closedUdp = dgram.createSocket('udp4');
  await new Promise<void>((r) => closedUdp.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => closedUdp.close(r));
  addDead('dgram closed after bind', closedUdp, 'ERR_SOCKBUF_CLOSED');
  const closedUnbound = dgram.createSocket('udp6');
  closedUnbound.close();
  addDead('dgram closed unbound', closedUnbound, 'ERR_SOCKBUF_CLOSED');
  const destroyed = await tcpPair();
  destroyed.client.destroy();
  destroyed.accepted.destroy();
  addDead('tcp client destroyed', destroyed.client, 'ERR_SOCKBUF_CLOSED');
  addDead('tcp accepted destroyed', destroyed.accepted, 'ERR_SOCKBUF_CLOSED');
  const ended = await tcpPair();
  ended.client.end();
  await once(ended.client, 'close');
  addDead('tcp client closed by end()', ended.client, 'ERR_SOCKBUF_CLOSED');
  const refused = net.connect(await freePort(), '127.0.0.1');
  await new Promise<void>((resolve) => {
    refused.on('error', () => {});
    refused.on('close', () => resolve());
  });
  addDead('tcp client refused', refused, 'ERR_SOCKBUF_CLOSED');
  const overDuplex = track(new tls.TLSSocket(new Duplex({ read() {}, write: (_c, _e, cb) => cb() })));
  addDead('tls socket over a non-socket stream', overDuplex, 'ERR_SOCKBUF_NO_FD');
  const overDuplexGone = new tls.TLSSocket(new Duplex({ read() {}, write: (_c, _e, cb) => cb() }));
  overDuplexGone.destroy();
  addDead('tls socket over a non-socket stream, destroyed', overDuplexGone, 'ERR_SOCKBUF_CLOSED');
  // Objects that only inherit from the classes.
  addDead('Object.create(net.Socket.prototype)', Object.create(net.Socket.prototype) as object, 'ERR_SOCKBUF_NO_FD');
  addDead(
    'Object.create(net.Server.prototype)',
    Object.create(net.Server.prototype) as object,
    'ERR_SOCKBUF_NO_FD',
    true,
  );
  addDead(
    'Object.create(dgram.Socket.prototype)',
    Object.create(dgram.Socket.prototype) as object,
    'ERR_SOCKBUF_CLOSED',
  );

  // Objects with odd fd values. `own` is a descriptor this file owns.
  const own = file;
  const T = 'ERR_INVALID_ARG_TYPE';
  const R = 'ERR_OUT_OF_RANGE';
  const odd: [string, () => unknown, Expect][] = [
    ['{ fd: "3" }', () => ({ fd: String(own) }), { code: T }],
    ['{ fd: null }', () => ({ fd: null }), { code: T }],
    ['{ fd: undefined }', () => ({ fd: undefined }), { code: T }],
    ['{ fd: 3n }', () => ({ fd: BigInt(own) }), { code: T }],
    ['{ fd: new Number(fd) }', () => ({ fd: new Number(own) }), { code: T }],
    ['{ fd: [fd] }', () => ({ fd: [own] }), { code: T }],
    ['{ fd: {} }', () => ({ fd: {} }), { code: T }],
    ['{ fd: true }', () => ({ fd: true }), { code: T }],
    ['{ fd: Symbol() }', () => ({ fd: Symbol('fd') }), { code: T }],
    ['{ fd: -1 }', () => ({ fd: -1 }), { code: R }],
    ['{ fd: -(2^31) }', () => ({ fd: INT32_MIN }), { code: R }],
    ['{ fd: 1.5 }', () => ({ fd: 1.5 }), { code: R }],
    ['{ fd: NaN }', () => ({ fd: NaN }), { code: R }],
    ['{ fd: Infinity }', () => ({ fd: Infinity }), { code: R }],
    ['{ fd: -Infinity }', () => ({ fd: -Infinity }), { code: R }],
    ['{ fd: 2^31 }', () => ({ fd: 2 ** 31 }), { code: R }],
    ['{ fd: 2^32 }', () => ({ fd: 2 ** 32 }), { code: R }],
    ['{ fd: 2^53 }', () => ({ fd: 2 ** 53 }), { code: R }],
    ['{ fd: Number.MIN_VALUE }', () => ({ fd: Number.MIN_VALUE }), { code: R }],
    ['{ fd: own + 0.5 }', () => ({ fd: own + 0.5 }), { code: R }],
    [
      'a getter returning our fd',
      () => ({
        get fd() {
          return own;
        },
      }),
      { resolves: { fd: own, kind: 'file' } },
    ],
    ['an inherited fd', () => Object.create({ fd: own }) as object, { resolves: { fd: own, kind: 'file' } }],
    [
      'a proxy answering fd',
      () => new Proxy({}, { has: () => true, get: (_t, k) => (k === 'fd' ? own : undefined) }),
      { resolves: { fd: own, kind: 'file' } },
    ],
    [
      'a getter that throws',
      () => ({
        get fd(): number {
          throw USER_ERROR;
        },
      }),
      { user: USER_ERROR },
    ],
    [
      'a proxy whose traps throw',
      () =>
        new Proxy(
          {},
          {
            has() {
              throw USER_ERROR;
            },
            getPrototypeOf() {
              throw USER_ERROR;
            },
          },
        ),
      { user: USER_ERROR },
    ],
    [
      'a revoked proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return proxy;
      },
      { code: T },
    ],
    [
      'a socket whose handle is a revoked proxy',
      () => {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        return Object.assign(Object.create(net.Socket.prototype) as object, { _handle: proxy });
      },
      { code: T },
    ],
    // Objects posing as sockets whose handle cannot take sockbuf's fd memo:
    // frozen, sealed, non-extensible, or a Proxy. They are read every time.
    [
      'a net.Socket look-alike with a frozen handle',
      () => Object.assign(Object.create(net.Socket.prototype) as object, { _handle: Object.freeze({ fd: own }) }),
      { resolves: { fd: own, kind: 'file' } },
    ],
    [
      'a net.Socket look-alike with a sealed handle',
      () => Object.assign(Object.create(net.Socket.prototype) as object, { _handle: Object.seal({ fd: own }) }),
      { resolves: { fd: own, kind: 'file' } },
    ],
    [
      'a net.Socket look-alike with a non-extensible handle',
      () =>
        Object.assign(Object.create(net.Socket.prototype) as object, {
          _handle: Object.preventExtensions({ fd: own }),
        }),
      { resolves: { fd: own, kind: 'file' } },
    ],
    [
      'a frozen net.Socket look-alike with a frozen handle',
      () =>
        Object.freeze(
          Object.assign(Object.create(net.Socket.prototype) as object, { _handle: Object.freeze({ fd: own }) }),
        ),
      { resolves: { fd: own, kind: 'file' } },
    ],
    [
      'a net.Socket look-alike whose handle is a Proxy refusing defineProperty',
      () =>
        Object.assign(Object.create(net.Socket.prototype) as object, {
          _handle: new Proxy(
            { fd: own },
            {
              defineProperty() {
                throw USER_ERROR;
              },
            },
          ),
        }),
      { resolves: { fd: own, kind: 'file' } },
    ],
    // Numbers that cannot be descriptors. (-0 is 0, stdin: never passed.)
    ['-1', () => -1, { code: R }],
    ['-(2^31)', () => INT32_MIN, { code: R }],
    ['1.5', () => 1.5, { code: R }],
    ['NaN', () => NaN, { code: R }],
    ['Infinity', () => Infinity, { code: R }],
    ['-Infinity', () => -Infinity, { code: R }],
    ['2^31', () => 2 ** 31, { code: R }],
    ['2^32 + fd', () => 2 ** 32 + own, { code: R }],
    ['2^53', () => 2 ** 53, { code: R }],
    ['Number.MAX_VALUE', () => Number.MAX_VALUE, { code: R }],
    ['Number.EPSILON', () => Number.EPSILON, { code: R }],
    // Everything else JavaScript has.
    ['undefined', () => undefined, { code: T }],
    ['null', () => null, { code: T }],
    ['true', () => true, { code: T }],
    ['a string', () => String(own), { code: T }],
    ['a bigint', () => BigInt(own), { code: T }],
    ['a symbol', () => Symbol('sock'), { code: T }],
    ['a function with fd', () => Object.assign(() => own, { fd: own }), { code: T }],
    ['an array', () => [own], { code: T }],
    ['an empty object', () => ({}), { code: T }],
    ['Object.create(null)', () => Object.create(null) as object, { code: T }],
    ['a Buffer', () => Buffer.from([own]), { code: T }],
    ['a Date', () => new Date(), { code: T }],
    ['a Map with fd key', () => new Map([['fd', own]]), { code: T }],
    ['a boxed number', () => new Number(own), { code: T }],
    ['a promise', () => Promise.resolve(own), { code: T }],
    ['the net module', () => net, { code: T }],
  ];
  for (const [label, make, expect] of odd) oddFd.push({ label, make, expect });
}

/** A port nobody listens on (a server listened on it and closed). */
async function freePort(): Promise<number> {
  const server = await closedServer();
  return (server as unknown as { _sockbufPort?: number })._sockbufPort ?? 0;
}

const sockArb = (): fc.Arbitrary<SockCase> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...live) },
    { weight: 2, arbitrary: fc.constantFrom(...dead) },
    { weight: 2, arbitrary: fc.constantFrom(...oddFd) },
  );

// ---------------------------------------------------------------------------
// Arguments

const HUGE = Buffer.alloc(16 << 20, 0x5a);

function detach(buf: ArrayBuffer): ArrayBuffer {
  structuredClone(buf, { transfer: [buf] });
  return buf;
}

function resizable(length: number, max: number): ArrayBuffer & { resize(n: number): void } {
  const Ctor = ArrayBuffer as unknown as new (
    n: number,
    o: { maxByteLength: number },
  ) => ArrayBuffer & {
    resize(n: number): void;
  };
  return new Ctor(length, { maxByteLength: max });
}

function spoof<T extends object>(view: T, props: PropertyDescriptorMap): T {
  Object.defineProperties(view, props);
  Object.defineProperty(view, SPOOFED_VIEW, { value: true });
  return view;
}

/** Raw bytes of every shape setsockopt may receive, made fresh per use. */
const byteMakers: Record<string, () => unknown> = {
  'empty Buffer': () => Buffer.alloc(0),
  'Buffer(1)': () => Buffer.from([1]),
  'Buffer(4)': () => Buffer.from([1, 0, 0, 0]),
  'Buffer(8)': () => Buffer.from([1, 0, 0, 0, 5, 0, 0, 0]),
  'Buffer(16)': () => Buffer.alloc(16, 1),
  'Buffer(64) text': () => Buffer.from('lo'.padEnd(64, '\0')),
  'Buffer(4096)': () => Buffer.alloc(4096, 0xff),
  'huge Buffer (16 MiB)': () => HUGE,
  'huge subarray': () => HUGE.subarray(3),
  'Buffer slice at an offset': () => Buffer.from('abcdefghijkl').subarray(5, 9),
  Int32Array: () => new Int32Array([1, 5]),
  Uint16Array: () => new Uint16Array([7]),
  Float64Array: () => new Float64Array([1.5]),
  BigInt64Array: () => new BigInt64Array([1n]),
  Uint8ClampedArray: () => new Uint8ClampedArray([255, 0, 0, 0]),
  'DataView with offset': () => new DataView(new ArrayBuffer(16), 4, 8),
  'empty DataView': () => new DataView(new ArrayBuffer(4), 4),
  ArrayBuffer: () => new ArrayBuffer(4),
  'empty ArrayBuffer': () => new ArrayBuffer(0),
  SharedArrayBuffer: () => new SharedArrayBuffer(8),
  'view of a SharedArrayBuffer': () => new Int32Array(new SharedArrayBuffer(8)),
  'detached ArrayBuffer': () => detach(new ArrayBuffer(8)),
  'Uint8Array over a detached buffer': () => {
    const b = new ArrayBuffer(8);
    const v = new Uint8Array(b);
    detach(b);
    return v;
  },
  'Int16Array over a detached buffer': () => {
    const b = new ArrayBuffer(8);
    const v = new Int16Array(b, 2, 2);
    detach(b);
    return v;
  },
  'DataView over a detached buffer': () => {
    const b = new ArrayBuffer(8);
    const v = new DataView(b);
    detach(b);
    return v;
  },
  'Buffer over a detached buffer': () => {
    const b = new ArrayBuffer(8);
    const v = Buffer.from(b);
    detach(b);
    return v;
  },
  'resizable ArrayBuffer': () => resizable(8, 64),
  'length-tracking view': () => new Uint8Array(resizable(8, 64)),
  'view out of bounds after a shrink': () => {
    const b = resizable(8, 64);
    const v = new Uint16Array(b, 4, 2);
    b.resize(2);
    return v;
  },
  'DataView out of bounds after a shrink': () => {
    const b = resizable(8, 64);
    const v = new DataView(b, 4, 4);
    b.resize(2);
    return Object.defineProperty(v, OUT_OF_BOUNDS_DATAVIEW, { value: true });
  },
  'length-tracking DataView out of bounds after a shrink': () => {
    const b = resizable(8, 64);
    const v = new DataView(b, 4);
    b.resize(2);
    return Object.defineProperty(v, OUT_OF_BOUNDS_DATAVIEW, { value: true });
  },
  'view with a spoofed byteLength': () => spoof(new Float32Array(2), { byteLength: { value: 1 << 20 } }),
  'DataView with a spoofed byteOffset': () => spoof(new DataView(new ArrayBuffer(8)), { byteOffset: { value: -1 } }),
  'view with a spoofed buffer': () => spoof(new Int32Array(2), { buffer: { value: 42 } }),
};

const bytesArb = fc.constantFrom(...Object.keys(byteMakers)).map((k) => byteMakers[k]());

/** Special numbers: boundaries, non-integers, signed zero. */
const specialNumbers = [
  0,
  -0,
  1,
  -1,
  2,
  4,
  0.5,
  1.5,
  -1.5,
  NaN,
  Infinity,
  -Infinity,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  -(2 ** 53),
  Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  Number.EPSILON,
  1 << 20,
  (1 << 20) + 1,
  0x3fffffff,
  0x40000000,
];

const hostileObjects: Record<string, () => unknown> = {
  'valueOf returning 4': () => ({ valueOf: () => 4 }),
  'toPrimitive that throws': () => ({
    [Symbol.toPrimitive]() {
      throw USER_ERROR;
    },
  }),
  'object with a throwing inspect': () => ({
    [Symbol.for('nodejs.util.inspect.custom')]() {
      throw USER_ERROR;
    },
  }),
  'constructor getter that throws': () => ({
    get constructor(): never {
      throw USER_ERROR;
    },
  }),
  'Object.create(null)': () => Object.create(null) as object,
  'boxed number': () => new Number(1),
  'boxed string': () => new String('reno'),
  'boxed boolean': () => new Boolean(true),
  Date: () => new Date(0),
  RegExp: () => /x/,
  Map: () => new Map(),
  Set: () => new Set([1]),
  WeakMap: () => new WeakMap(),
  Promise: () => Promise.resolve(1),
  Error: () => new Error('x'),
  'empty array': () => [],
  'array [1, 2]': () => [1, 2],
  'sparse array': () => [, 1], // eslint-disable-line no-sparse-arrays
  function: () => function named() {},
  'arrow function': () => () => 1,
  class: () => class K {},
  symbol: () => Symbol('v'),
  'registered symbol': () => Symbol.for('v'),
  'the process object': () => process,
  'a net.Socket': () => new net.Socket(),
};

const hostileArb = fc.constantFrom(...Object.keys(hostileObjects)).map((k) => hostileObjects[k]());

/** Every JavaScript type, biased towards the values validators get wrong. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, true, false),
  fc.constantFrom(...specialNumbers),
  fc.integer(),
  fc.double(),
  fc.maxSafeInteger(),
  fc.bigInt(),
  fc.constantFrom(0n, 1n, -1n, 2n ** 64n),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('', '8', '0x10', 'SO_RCVBUF', 'reno', 'x'.repeat(100_000), 'a\0b'),
  fc.object({ maxDepth: 1 }),
  fc.array(fc.integer(), { maxLength: 4 }),
  bytesArb,
  hostileArb,
);

/** Anything but a number that passes as an int32 (so it can never reach the kernel as a level/option). */
const notInt32 = anyValue.filter((v) => !(typeof v === 'number' && (v | 0) === v));

const int32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });

// Level/option pairs that are safe to send to a dedicated socket.
const PMTU_VALUE = /PMTUDISC_/;
const GLOBAL_EFFECT = new Set([
  // Join multicast/anycast groups on real interfaces, or install IPsec policies.
  'IP_ADD_MEMBERSHIP',
  'IP_DROP_MEMBERSHIP',
  'IP_UNBLOCK_SOURCE',
  'IP_BLOCK_SOURCE',
  'IP_ADD_SOURCE_MEMBERSHIP',
  'IP_DROP_SOURCE_MEMBERSHIP',
  'IP_IPSEC_POLICY',
  'IP_XFRM_POLICY',
  'IPV6_JOIN_GROUP',
  'IPV6_LEAVE_GROUP',
  'IPV6_JOIN_ANYCAST',
  'IPV6_LEAVE_ANYCAST',
  'IPV6_IPSEC_POLICY',
  'IPV6_XFRM_POLICY',
  'IPV6_ADDRFORM',
  // A random name makes the kernel run modprobe for it.
  'TCP_CONGESTION',
  'TCP_ULP',
]);

function knownPairs(forSet: boolean): [number, number][] {
  const pairs: [number, number][] = [];
  for (const [name, value] of Object.entries(c)) {
    if (PMTU_VALUE.test(name) || (forSet && GLOBAL_EFFECT.has(name))) continue;
    let level: number | undefined;
    if (name.startsWith('SO_')) level = c.SOL_SOCKET;
    else if (name.startsWith('TCP_')) level = c.IPPROTO_TCP;
    else if (name.startsWith('UDP_')) level = c.IPPROTO_UDP;
    else if (name.startsWith('IPV6_')) level = c.IPPROTO_IPV6;
    else if (name.startsWith('IP_')) level = c.IPPROTO_IP;
    if (level !== undefined && value !== undefined) pairs.push([level, value]);
  }
  return pairs;
}

const UNSAFE_LEVELS = new Set([c.IPPROTO_IP, c.IPPROTO_IPV6]);

function levelOptionArb(forSet: boolean): fc.Arbitrary<[unknown, unknown]> {
  const pairs = knownPairs(forSet);
  const unsafeTcp = new Set([c.TCP_CONGESTION, c.TCP_ULP]);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...pairs) },
    // SOL_IP written as -0: the same level.
    {
      weight: 1,
      arbitrary: fc.constantFrom(...pairs.filter(([l]) => l === 0)).map(([, o]): [number, number] => [-0, o]),
    },
    // Any option at the per-socket levels.
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(c.SOL_SOCKET, c.IPPROTO_TCP, c.IPPROTO_UDP), int32)
        .filter(([l, o]) => !(forSet && l === c.IPPROTO_TCP && unsafeTcp.has(o))),
    },
    // Any level but IP/IPv6, any option.
    {
      weight: 2,
      arbitrary: fc.tuple(
        int32.filter((l) => !UNSAFE_LEVELS.has(l)),
        int32,
      ),
    },
    // Invalid levels or options: rejected before any system call.
    { weight: 2, arbitrary: fc.tuple(notInt32, anyValue) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(c.SOL_SOCKET, c.IPPROTO_TCP), notInt32) },
  );
}

const getPairArb = levelOptionArb(false);
const setPairArb = levelOptionArb(true);

const sizeArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 1 << 22 }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: INT32_MAX }) },
  { weight: 2, arbitrary: fc.constantFrom(...specialNumbers) },
  { weight: 1, arbitrary: anyValue },
);

const boolArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: anyValue },
);

const sizesOptionsArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ recv: sizeArb, send: sizeArb, force: boolArb }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: anyValue },
);

const serverOptionsArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      { recv: sizeArb, send: sizeArb, force: boolArb, perConnection: boolArb },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

const catalogNames = Object.keys(optionCatalog);
const nameArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...catalogNames) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('SO_ATTACH_FILTER', 'toString', '__proto__', 'constructor', 'so_rcvbuf', ''),
  },
  { weight: 1, arbitrary: anyValue },
);

const optionValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -1, max: 1 << 20 }),
  int32,
  fc.boolean(),
  fc.record({ enabled: boolArb, seconds: sizeArb }, { requiredKeys: [] }),
  fc.double({ min: 0, max: 1e7, noNaN: true }),
  fc.constantFrom('reno', 'cubic', 'lo', '', 'x'.repeat(64), 'a\0b', 'no-such-device-0'),
  anyValue,
);

/** setOption's (name, value), with only real congestion-control names reaching the kernel. */
const setOptionArgsArb: fc.Arbitrary<[unknown, unknown]> = fc.tuple(nameArb, optionValueArb).map(([name, value]) => {
  if (
    name === 'TCP_CONGESTION' &&
    typeof value === 'string' &&
    value.length > 0 &&
    value.length < 64 &&
    !value.includes('\0')
  ) {
    return [name, value.length % 2 === 0 ? 'reno' : 'cubic'];
  }
  return [name, value];
});

const lengthArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 256 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_GET_LENGTH }) },
  { weight: 1, arbitrary: fc.constantFrom(0, MAX_GET_LENGTH, MAX_GET_LENGTH + 1, -0, -1, 2 ** 31, 0.5, NaN) },
  // A target to read into: a Buffer, a plain Uint8Array, an ArrayBuffer, a DataView in the middle of one.
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 3 }))
      .map(([n, kind]) =>
        kind === 0
          ? Buffer.alloc(n)
          : kind === 1
            ? new Uint8Array(n)
            : kind === 2
              ? new ArrayBuffer(n)
              : new DataView(new ArrayBuffer(n + 8), 4, n),
      ),
  },
  { weight: 1, arbitrary: anyValue },
);

// ---------------------------------------------------------------------------
// The checker

/** errno -> its names in the OS headers (some numbers have two: EAGAIN/EWOULDBLOCK). */
const ERRNO_NAMES = new Map<number, string[]>();
for (const [name, n] of Object.entries(osConstants.errno)) ERRNO_NAMES.set(n, [...(ERRNO_NAMES.get(n) ?? []), name]);

const SOCKBUF_CODES = new Set([
  'ERR_SOCKBUF_NO_FD',
  'ERR_SOCKBUF_CLOSED',
  'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
  'ERR_SOCKBUF_UNSAFE_OPTION',
]);

/** Codes an argument check may give; arguments are checked before the socket is resolved. */
const ARGUMENT_CODES = new Set([
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_OUT_OF_RANGE',
  'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
  'ERR_SOCKBUF_UNSAFE_OPTION',
]);

function className(err: unknown): string {
  return (err as { constructor?: { name?: string } }).constructor?.name ?? '';
}

/** Shows a value in a failure message without running user code. */
function show(v: unknown, depth = 0): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'function') return 'function';
  if (v === null || typeof v !== 'object') return String(v);
  if (types.isProxy(v)) return 'Proxy';
  const tag = Object.prototype.toString.call(v);
  if (ArrayBuffer.isView(v) || types.isAnyArrayBuffer(v)) {
    const marks = [SPOOFED_VIEW, OUT_OF_BOUNDS_DATAVIEW].filter((m) => m in v).map((m) => m.description);
    return `${tag.slice(8, -1)}${marks.length ? ` (${marks.join(', ')})` : ''}`;
  }
  if (depth === 0 && Object.getPrototypeOf(v) === Object.prototype) {
    const parts = Object.entries(Object.getOwnPropertyDescriptors(v)).map(([k, d]) =>
      'value' in d ? `${k}: ${show(d.value, 1)}` : `${k}: <accessor>`,
    );
    return `{ ${parts.join(', ')} }`;
  }
  return tag;
}

interface CallCase {
  fn: string;
  sock?: SockCase;
  args: unknown[];
}

function fail(call: CallCase, why: string, err?: unknown): never {
  const detail =
    err === undefined
      ? ''
      : ` | threw ${className(err)} code=${show((err as { code?: unknown }).code)}: ${String((err as Error).message)}`;
  throw new Error(
    `${call.fn}(${call.sock ? call.sock.label : ''}${call.args.map((a) => `, ${show(a)}`).join('')}): ${why}${detail}`,
  );
}

function checkThrow(call: CallCase, err: unknown): void {
  const expect = call.sock?.expect;
  const sockFirst = call.fn !== 'configureServer' && call.fn !== 'systemLimits';
  if (expect !== undefined) {
    if ('user' in expect && err === expect.user) return;
  }
  if (err === USER_ERROR) {
    // Only argument values with throwing hooks may throw this.
    if (call.args.some((a) => typeof a === 'object' && a !== null) || (expect !== undefined && 'user' in expect))
      return;
    fail(call, 'a user error came out of nowhere', err);
  }
  if (!types.isNativeError(err) && !(err instanceof Error)) fail(call, 'threw a non-Error', err);
  const e = err as Error & { code?: unknown; errno?: unknown; syscall?: unknown; fd?: unknown };
  if (typeof e.code !== 'string') fail(call, 'error without a string code', err);
  const code = e.code;
  if (!/^[A-Z][A-Z0-9_]*$/.test(code)) fail(call, 'code is not a code', err);

  // A socket-like that cannot be resolved: its error, unless an argument was
  // wrong (every argument is checked before the socket is resolved).
  if (expect !== undefined && sockFirst && 'code' in expect) {
    if (code !== expect.code && !ARGUMENT_CODES.has(code)) fail(call, `expected ${expect.code}`, err);
  }
  if (expect !== undefined && call.fn === 'configureServer' && !call.sock!.isServer) {
    if (code !== 'ERR_INVALID_ARG_TYPE')
      fail(call, 'configureServer on a non-server must be ERR_INVALID_ARG_TYPE', err);
  }

  if (code === 'ERR_INVALID_ARG_TYPE') {
    if (className(err) !== 'TypeError') fail(call, 'ERR_INVALID_ARG_TYPE must be a TypeError', err);
  } else if (code === 'ERR_OUT_OF_RANGE') {
    if (className(err) !== 'RangeError') fail(call, 'ERR_OUT_OF_RANGE must be a RangeError', err);
  } else if (code === 'ERR_INVALID_ARG_VALUE') {
    if (className(err) !== 'TypeError' && className(err) !== 'RangeError') fail(call, 'bad class', err);
  } else if (SOCKBUF_CODES.has(code)) {
    if (className(err) !== 'Error') fail(call, `${code} must be a plain Error`, err);
    if (code === 'ERR_SOCKBUF_NO_FD' && !/no file descriptor yet/.test(e.message)) fail(call, 'message', err);
    if (code === 'ERR_SOCKBUF_CLOSED' && !/closed or destroyed/.test(e.message)) fail(call, 'message', err);
  } else if (/^E[A-Z0-9]+$/.test(code)) {
    // A system call failed: it was on the descriptor passed, with Node's fields.
    if (typeof e.errno !== 'number' || e.errno >= 0) fail(call, 'errno must be negative', err);
    // Node's name for the errno, or the OS's where libuv has none (EDOM, ...).
    const uvName = getSystemErrorName(e.errno as number);
    const names = /^E[A-Z0-9]+$/.test(uvName) ? [uvName] : (ERRNO_NAMES.get(-(e.errno as number)) ?? []);
    if (!names.includes(code)) fail(call, 'errno and code disagree', err);
    if (typeof e.syscall !== 'string') fail(call, 'no syscall', err);
    if (expect === undefined || !('resolves' in expect)) fail(call, 'a system call on a socket-like with no fd', err);
    if (e.fd !== expect.resolves.fd)
      fail(call, `system error on fd ${show(e.fd)}, expected ${expect.resolves.fd}`, err);
    if (code === 'EBADF' && expect.resolves.kind !== 'none') fail(call, 'EBADF on an open descriptor', err);
    const notSocket = ['file', 'fifo', 'devnull', 'dir'].includes(expect.resolves.kind);
    if (notSocket && call.fn !== 'queuedBytes' && code !== 'ENOTSOCK') fail(call, 'expected ENOTSOCK', err);
  } else {
    fail(call, 'undocumented code', err);
  }
}

function isIntegral(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v);
}

function checkReport(call: CallCase, r: unknown, requested: unknown): void {
  const rep = r as Record<string, unknown>;
  if (rep === null || typeof rep !== 'object') fail(call, 'report is not an object');
  if (!Object.is(rep.requested, requested) && rep.requested !== requested) fail(call, 'requested differs');
  if (!isIntegral(rep.effective) || (rep.effective as number) < 0) fail(call, `effective ${show(rep.effective)}`);
  if (!isIntegral(rep.granted) || (rep.granted as number) < 0) fail(call, `granted ${show(rep.granted)}`);
  if (typeof rep.clamped !== 'boolean' || typeof rep.forced !== 'boolean') fail(call, 'clamped/forced not booleans');
  if (rep.clamped !== (rep.granted as number) < (rep.requested as number))
    fail(call, 'clamped is not granted < requested');
  if (rep.limit !== null && !isIntegral(rep.limit)) fail(call, 'limit');
}

function checkSizesReport(call: CallCase, r: unknown, opts: unknown): void {
  const o = opts as { recv?: unknown; send?: unknown };
  const rep = r as { recv?: unknown; send?: unknown };
  if (rep === null || typeof rep !== 'object') fail(call, 'report is not an object');
  if ((o.recv === undefined) !== (rep.recv === undefined)) fail(call, 'recv report presence');
  if ((o.send === undefined) !== (rep.send === undefined)) fail(call, 'send report presence');
  if (rep.recv !== undefined) checkReport(call, rep.recv, o.recv);
  if (rep.send !== undefined) checkReport(call, rep.send, o.send);
}

function checkLimits(call: CallCase, v: unknown): void {
  const walk = (x: unknown, at: string): void => {
    if (x === null || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x))) return;
    if (typeof x === 'string' && (at === 'platform' || at === 'source')) return;
    if (typeof x === 'object') {
      for (const [k, y] of Object.entries(x as object)) walk(y, at === '' ? k : `${at}.${k}`);
      return;
    }
    fail(call, `systemLimits().${at} is ${show(x)}`);
  };
  walk(v, '');
}

/** A view's or ArrayBuffer's byte length through the engine's own accessors (never a getter of the object's). */
function engineByteLength(v: unknown): number | undefined {
  const getter = (proto: object): ((this: unknown) => unknown) =>
    Object.getOwnPropertyDescriptor(proto, 'byteLength')!.get as (this: unknown) => unknown;
  try {
    if (types.isDataView(v)) return getter(DataView.prototype).call(v) as number;
    if (ArrayBuffer.isView(v)) return getter(Object.getPrototypeOf(Uint8Array.prototype) as object).call(v) as number;
    if (types.isSharedArrayBuffer(v)) return getter(SharedArrayBuffer.prototype).call(v) as number;
    if (types.isArrayBuffer(v)) return getter(ArrayBuffer.prototype).call(v) as number;
  } catch {
    return undefined;
  }
  return undefined;
}

function checkResult(call: CallCase, value: unknown): void {
  const expect = call.sock?.expect;
  const sockFirst = call.fn !== 'configureServer' && call.fn !== 'systemLimits';
  if (expect !== undefined && sockFirst && !('resolves' in expect)) fail(call, 'succeeded on a socket-like without fd');
  // setBufferSizes(sock, {}) asks for nothing and makes no system call.
  const [opts] = call.args as [{ recv?: unknown; send?: unknown } | undefined];
  if (call.fn === 'setBufferSizes' && opts?.recv === undefined && opts?.send === undefined) {
    expect_(value).toEqual({});
    return;
  }
  if (expect !== undefined && 'resolves' in expect && expect.resolves.kind === 'none') {
    fail(call, 'succeeded on a number that is not an open descriptor');
  }
  if (
    expect !== undefined &&
    sockFirst &&
    'resolves' in expect &&
    ['file', 'fifo', 'devnull', 'dir'].includes(expect.resolves.kind)
  ) {
    fail(call, 'succeeded on a descriptor that is not a socket');
  }
  const [a0, a1, a2] = call.args;
  switch (call.fn) {
    case 'getsockopt':
      if (a2 === undefined) {
        if (!isIntegral(value)) fail(call, `int get returned ${show(value)}`);
      } else if (typeof a2 === 'number') {
        if (!Buffer.isBuffer(value)) fail(call, 'byte get did not return a Buffer');
        if (value.length > a2) fail(call, `returned ${value.length} bytes for ${show(a2)} asked`);
      } else {
        // A Buffer, TypedArray, DataView or ArrayBuffer to read into: the
        // count of bytes written, never more than the target's own length
        // (read through the engine's accessor, as sockbuf does).
        if (!isIntegral(value) || (value as number) < 0 || (value as number) > MAX_GET_LENGTH) {
          fail(call, `byte get into a target returned ${show(value)}`);
        }
        const size = engineByteLength(a2);
        if (size !== undefined && (value as number) > size) {
          fail(call, `wrote ${show(value)} bytes into a target of ${size}`);
        }
      }
      break;
    case 'setsockopt':
      if (value !== undefined) fail(call, 'setsockopt returned a value');
      break;
    case 'getBufferSizes': {
      const v = value as { recv: unknown; send: unknown };
      if (!isIntegral(v.recv) || !isIntegral(v.send)) fail(call, 'sizes are not integers');
      break;
    }
    case 'getRecvBufferSize':
    case 'getSendBufferSize':
      if (!isIntegral(value)) fail(call, 'size is not an integer');
      break;
    case 'setRecvBufferSize':
    case 'setSendBufferSize':
      checkReport(call, value, a0);
      break;
    case 'setBufferSizes':
      checkSizesReport(call, value, a0);
      break;
    case 'configureServer':
      if (!call.sock?.isServer) fail(call, 'configureServer accepted a non-server');
      if (value !== undefined) checkSizesReport(call, value, a0);
      break;
    case 'getOption': {
      const spec = (optionCatalog as Record<string, { kind: string }>)[a0 as string];
      const kind = spec.kind;
      const ok =
        (kind === 'int' && isIntegral(value)) ||
        (kind === 'bool' && typeof value === 'boolean') ||
        (kind === 'ms' && typeof value === 'number' && value >= 0) ||
        (kind === 'string' && typeof value === 'string') ||
        (kind === 'ucred' &&
          isIntegral((value as { pid?: unknown }).pid) &&
          isIntegral((value as { uid?: unknown }).uid) &&
          isIntegral((value as { gid?: unknown }).gid)) ||
        (kind === 'linger' &&
          typeof (value as { enabled?: unknown }).enabled === 'boolean' &&
          isIntegral((value as { seconds?: unknown }).seconds));
      if (!ok) fail(call, `getOption returned ${show(value)} for a ${kind}`);
      break;
    }
    case 'setOption':
      if (value !== undefined) fail(call, 'setOption returned a value');
      if ((optionCatalog as Record<string, { readonly?: boolean }>)[a0 as string]?.readonly) {
        fail(call, 'a read-only option was set');
      }
      void a1;
      break;
    case 'systemLimits':
      checkLimits(call, value);
      break;
    case 'socketMemory': {
      const v = value as Record<string, unknown>;
      if (Object.keys(v).length !== 9 || !Object.values(v).every(isIntegral)) fail(call, 'socketMemory shape');
      break;
    }
    case 'queuedBytes': {
      const v = value as { recv: unknown; send: unknown };
      if (!isIntegral(v.recv) || !isIntegral(v.send)) fail(call, 'queuedBytes shape');
      break;
    }
    default:
      fail(call, 'unknown function');
  }
}

const api: Record<string, (...args: unknown[]) => unknown> = {
  getsockopt: getsockopt as never,
  setsockopt: setsockopt as never,
  getBufferSizes: getBufferSizes as never,
  getRecvBufferSize: getRecvBufferSize as never,
  getSendBufferSize: getSendBufferSize as never,
  setBufferSizes: setBufferSizes as never,
  setRecvBufferSize: setRecvBufferSize as never,
  setSendBufferSize: setSendBufferSize as never,
  configureServer: configureServer as never,
  getOption: getOption as never,
  setOption: setOption as never,
  systemLimits: systemLimits as never,
  socketMemory: socketMemory as never,
  queuedBytes: queuedBytes as never,
};

/** The pair the final traffic check uses, and the calls that succeeded on it (for its failure message). */
const TRAFFIC_PAIR = new Set(['tcp client', 'tcp accepted']);
const trafficPairCalls: string[] = [];

/** How many times each public function was called by the random runs (the README states the minimum). */
const callCounts: Record<string, number> = {};
/** The least number of random calls every public function gets in one run at FC_SCALE=1. */
const MIN_CALLS = 1000;

/** Runs one call with every invariant; returns normally when they all hold. */
function run(original: CallCase): void {
  let call = original;
  callCounts[call.fn] = (callCounts[call.fn] ?? 0) + 1;
  if (call.sock?.gone?.()) {
    call = { ...call, sock: { ...call.sock, expect: { code: 'ERR_SOCKBUF_CLOSED' } } };
  }
  const fn = api[call.fn];
  const args = call.sock === undefined ? call.args : [call.sock.make(), ...call.args];
  // getsockopt(sock, level, option) and (sock, level, option, length) differ by arity only.
  if (call.fn === 'getsockopt' && call.args[2] === undefined) args.length = 3;
  let value: unknown;
  try {
    value = fn(...args);
  } catch (err) {
    checkThrow(call, err);
    return;
  }
  if (call.sock !== undefined && TRAFFIC_PAIR.has(call.sock.label)) {
    trafficPairCalls.push(`${call.fn}(${[call.sock.label, ...call.args.map(show)].join(', ')})`);
    if (trafficPairCalls.length > 200) trafficPairCalls.shift();
  }
  checkResult(call, value);
}

/** Gives a call a readable form in fast-check's counterexamples. */
function named(call: CallCase): CallCase {
  return Object.assign(call, {
    [fc.toStringMethod]: () =>
      `${call.fn}(${[call.sock ? call.sock.label : '', ...call.args.map(show)].filter(Boolean).join(', ')})`,
  });
}

// One arbitrary per function: (socket-like, arguments).
const calls: Record<string, () => fc.Arbitrary<CallCase>> = {
  getsockopt: () =>
    fc
      .tuple(sockArb(), getPairArb, lengthArb)
      .map(([sock, [l, o], len]) => named({ fn: 'getsockopt', sock, args: [l, o, len] })),
  setsockopt: () =>
    fc
      .tuple(sockArb(), setPairArb, fc.oneof(int32, fc.boolean(), bytesArb, anyValue))
      .map(([sock, [l, o], v]) => named({ fn: 'setsockopt', sock, args: [l, o, v] })),
  getBufferSizes: () =>
    fc
      .tuple(sockArb(), fc.array(anyValue, { maxLength: 2 }))
      .map(([sock, extra]) => named({ fn: 'getBufferSizes', sock, args: extra })),
  getRecvBufferSize: () => sockArb().map((sock) => named({ fn: 'getRecvBufferSize', sock, args: [] })),
  getSendBufferSize: () => sockArb().map((sock) => named({ fn: 'getSendBufferSize', sock, args: [] })),
  setBufferSizes: () =>
    fc.tuple(sockArb(), sizesOptionsArb).map(([sock, o]) => named({ fn: 'setBufferSizes', sock, args: [o] })),
  setRecvBufferSize: () =>
    fc
      .tuple(
        sockArb(),
        sizeArb,
        fc.oneof(fc.constant(undefined), fc.record({ force: boolArb }, { requiredKeys: [] }), anyValue),
      )
      .map(([sock, n, o]) => named({ fn: 'setRecvBufferSize', sock, args: [n, o] })),
  setSendBufferSize: () =>
    fc
      .tuple(
        sockArb(),
        sizeArb,
        fc.oneof(fc.constant(undefined), fc.record({ force: boolArb }, { requiredKeys: [] }), anyValue),
      )
      .map(([sock, n, o]) => named({ fn: 'setSendBufferSize', sock, args: [n, o] })),
  configureServer: () =>
    fc.tuple(sockArb(), serverOptionsArb).map(([sock, o]) => named({ fn: 'configureServer', sock, args: [o] })),
  getOption: () => fc.tuple(sockArb(), nameArb).map(([sock, n]) => named({ fn: 'getOption', sock, args: [n] })),
  setOption: () =>
    fc.tuple(sockArb(), setOptionArgsArb).map(([sock, [n, v]]) => named({ fn: 'setOption', sock, args: [n, v] })),
  systemLimits: () => fc.array(anyValue, { maxLength: 3 }).map((args) => ({ fn: 'systemLimits', args })),
  socketMemory: () => sockArb().map((sock) => named({ fn: 'socketMemory', sock, args: [] })),
  queuedBytes: () => sockArb().map((sock) => named({ fn: 'queuedBytes', sock, args: [] })),
};

const RUNS: Record<string, number> = {
  getsockopt: 4000,
  setsockopt: 4000,
  getBufferSizes: 1000,
  getRecvBufferSize: 1000,
  getSendBufferSize: 1000,
  setBufferSizes: 2000,
  setRecvBufferSize: 1500,
  setSendBufferSize: 1500,
  configureServer: 1500,
  getOption: 2000,
  setOption: 3000,
  systemLimits: 1000,
  socketMemory: 1000,
  queuedBytes: 1000,
};

// ---------------------------------------------------------------------------

afterAll(async () => {
  for (const fd of ownFds.splice(0)) closeSync(fd);
  for (const stop of stops.splice(0)) stop();
  for (const child of children.splice(0)) {
    child.stdin?.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill();
  }
  await closeAll();
  if (scratchDir !== '') rmSync(scratchDir, { recursive: true, force: true });
});

/** Undoes, on the pool's sockets, the settings a random call may have left that would delay close() or block traffic. */
function resetPoolSockets(): void {
  for (const s of live) {
    if (s.gone?.()) continue;
    const v = s.make();
    if (typeof v !== 'object' || v === null || 'fd' in v) continue;
    const sock = v as net.Socket;
    for (const [level, option, value] of [
      [c.SOL_SOCKET, c.SO_LINGER, Buffer.alloc(8)],
      [c.SOL_SOCKET, c.SO_BINDTODEVICE, Buffer.alloc(0)],
      [c.SOL_SOCKET, 27 /* SO_DETACH_FILTER */, 0],
      [c.SOL_SOCKET, c.SO_RCVLOWAT, 1],
      [c.SOL_SOCKET, c.SO_KEEPALIVE, 0],
      [c.IPPROTO_TCP, c.TCP_USER_TIMEOUT, 0],
      [c.SOL_SOCKET, c.SO_RCVBUF, 65536],
      [c.SOL_SOCKET, c.SO_SNDBUF, 65536],
      [c.IPPROTO_TCP, c.TCP_REPAIR, 0],
      [c.IPPROTO_TCP, c.TCP_CORK, 0],
      [c.IPPROTO_IP, c.IP_OPTIONS, Buffer.alloc(0)],
    ] as [number, number, number | Buffer][]) {
      try {
        setsockopt(sock, level, option, value);
      } catch {
        // not applicable to this kind of socket
      }
    }
  }
}

describe('property: random socket-likes and arguments', () => {
  beforeAll(async () => {
    await setupPool();
    // Resolve one real dgram socket first: the dgram state symbol is then
    // found on a genuine socket (see the cache test at the end).
    getRecvBufferSize(live.find((s) => s.label === 'udp4 bound')!.make() as dgram.Socket);
    baselineFds = openFds();
  });

  afterAll(resetPoolSockets);

  for (const name of Object.keys(calls)) {
    test(`${name}: every outcome is documented`, () => {
      fc.assert(
        fc.property(calls[name](), (call) => {
          run(call);
        }),
        params(RUNS[name]),
      );
    });
  }

  test('mixed sequences of every function keep every invariant, and leave the live sockets working', () => {
    const anyCall = fc.oneof(...Object.keys(calls).map((k) => calls[k]()));
    fc.assert(
      fc.property(fc.array(anyCall, { minLength: 1, maxLength: 25 }), (seq) => {
        for (const call of seq) run(call);
        // Nothing sockbuf did closed or swapped a live descriptor.
        for (const s of live) {
          if (!('resolves' in s.expect)) continue;
          const { fd, kind } = s.expect.resolves;
          if (kind === 'none' || kind === 'file' || kind === 'fifo' || kind === 'devnull' || kind === 'dir') continue;
          const type = getsockopt(fd, c.SOL_SOCKET, c.SO_TYPE);
          if (type !== (kind.startsWith('udp') ? c.SOCK_DGRAM : c.SOCK_STREAM)) {
            throw new Error(`${s.label}: fd ${fd} is now of type ${type}`);
          }
        }
      }),
      params(300),
    );
  });

  test('buffer-size reports match the kernel model (Linux: doubled, capped by rmem_max/wmem_max unless forced)', () => {
    if (process.platform !== 'linux') return;
    // One of the pool's UDP sockets (dedicated to this file's random calls anyway).
    const u = live.find((s) => s.label === 'udp4 connected')!.make() as dgram.Socket;
    const HALF = 0x3fffffff;
    const min = {
      recv: setRecvBufferSize(u, 0).effective,
      send: setSendBufferSize(u, 0).effective,
    };
    const sizeNearCaps = fc.oneof(
      fc.integer({ min: 0, max: 1 << 16 }),
      fc.integer({ min: 0, max: INT32_MAX }),
      fc.integer({ min: -4096, max: 4096 }).map((d) => Math.max(0, (systemLimits().recvMax ?? 0) + d)),
      fc.integer({ min: -4096, max: 4096 }).map((d) => Math.max(0, (systemLimits().sendMax ?? 0) + d)),
      fc.constantFrom(HALF - 1, HALF, HALF + 1, INT32_MAX),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('recv' as const, 'send' as const),
        sizeNearCaps,
        fc.boolean(),
        (dir, bytes, force) => {
          const limits = systemLimits();
          const limit = dir === 'recv' ? limits.recvMax : limits.sendMax;
          const report = (dir === 'recv' ? setRecvBufferSize : setSendBufferSize)(u, bytes, { force });
          const kept = report.forced ? Math.min(bytes, HALF) : Math.min(bytes, limit ?? Infinity, HALF);
          const effective = Math.max(2 * kept, min[dir]);
          expect_(report).toEqual({
            requested: bytes,
            // DESIGN: granted is effective in the units of requested (Linux: effective / 2).
            granted: effective / 2,
            effective,
            // DESIGN: clamped when the kernel granted less than asked.
            clamped: effective / 2 < bytes,
            limit,
            forced: report.forced,
          });
          if (!force) expect_(report.forced).toBe(false);
          // What getsockopt says now is what the report said.
          expect_(dir === 'recv' ? getRecvBufferSize(u) : getSendBufferSize(u)).toBe(report.effective);
        },
      ),
      params(400),
    );
  });

  test(`every public function was called at least ${MIN_CALLS} times`, () => {
    if (SCALE < 1) return;
    const counts = Object.keys(calls).map((fn) => [fn, callCounts[fn] ?? 0] as const);
    expect(counts.filter(([, n]) => n < MIN_CALLS)).toEqual([]);
  });

  test('no descriptor was opened, closed or leaked by any call', () => {
    const now = openFds();
    if (now.join(',') !== baselineFds.join(',')) {
      throw new Error(`descriptors changed.\nbefore:\n${describeFds(baselineFds)}\nafter:\n${describeFds(now)}`);
    }
    expect(now).toEqual(baselineFds);
  });

  test('the live sockets still carry traffic after the run', async () => {
    const client = live.find((s) => s.label === 'tcp client')!.make() as net.Socket;
    const accepted = live.find((s) => s.label === 'tcp accepted')!.make() as net.Socket;
    resetPoolSockets();
    const got = once(accepted, 'data');
    client.write('ping');
    let timer: NodeJS.Timeout | undefined;
    const [data] = (await Promise.race([
      got,
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error('no data within 5 s')), 5000);
      }),
    ])
      .catch((err: Error) => {
        // Say what the random run did to this pair, so a failure can be replayed by hand.
        throw new Error(
          `${err.message}; client destroyed: ${client.destroyed}; calls that succeeded on the pair:\n${trafficPairCalls.join('\n')}`,
        );
      })
      .finally(() => clearTimeout(timer))) as [Buffer];
    expect(data.toString()).toBe('ping');
  });
});

// ---------------------------------------------------------------------------
// Destroyed sockets and reused descriptor numbers

/** Everything readable about a socket, to tell whether anything changed it. */
function snapshot(sock: net.Socket | dgram.Socket | net.Server): Record<string, string> {
  const out: Record<string, string> = {};
  const probes: [string, number, number][] = [
    ['SO_RCVBUF', c.SOL_SOCKET, c.SO_RCVBUF],
    ['SO_SNDBUF', c.SOL_SOCKET, c.SO_SNDBUF],
    ['SO_KEEPALIVE', c.SOL_SOCKET, c.SO_KEEPALIVE],
    ['SO_REUSEADDR', c.SOL_SOCKET, c.SO_REUSEADDR],
    ['SO_BROADCAST', c.SOL_SOCKET, c.SO_BROADCAST],
    ['SO_PRIORITY', c.SOL_SOCKET, c.SO_PRIORITY!],
    ['SO_MARK', c.SOL_SOCKET, c.SO_MARK!],
    ['SO_RCVLOWAT', c.SOL_SOCKET, c.SO_RCVLOWAT],
    ['SO_LINGER', c.SOL_SOCKET, c.SO_LINGER],
    ['SO_RCVTIMEO', c.SOL_SOCKET, c.SO_RCVTIMEO],
    ['SO_SNDTIMEO', c.SOL_SOCKET, c.SO_SNDTIMEO],
    ['SO_OOBINLINE', c.SOL_SOCKET, c.SO_OOBINLINE],
    ['SO_DONTROUTE', c.SOL_SOCKET, c.SO_DONTROUTE],
    ['SO_BINDTODEVICE', c.SOL_SOCKET, c.SO_BINDTODEVICE!],
    ['IP_TTL', c.IPPROTO_IP, c.IP_TTL],
    ['IP_TOS', c.IPPROTO_IP, c.IP_TOS],
    ['IP_MTU_DISCOVER', c.IPPROTO_IP, c.IP_MTU_DISCOVER!],
    ['IP_RECVERR', c.IPPROTO_IP, c.IP_RECVERR!],
    ['IP_FREEBIND', c.IPPROTO_IP, c.IP_FREEBIND!],
    ['IP_MULTICAST_TTL', c.IPPROTO_IP, c.IP_MULTICAST_TTL],
    ['TCP_NODELAY', c.IPPROTO_TCP, c.TCP_NODELAY],
    ['TCP_KEEPIDLE', c.IPPROTO_TCP, c.TCP_KEEPIDLE!],
    ['TCP_KEEPINTVL', c.IPPROTO_TCP, c.TCP_KEEPINTVL],
    ['TCP_KEEPCNT', c.IPPROTO_TCP, c.TCP_KEEPCNT],
    ['TCP_USER_TIMEOUT', c.IPPROTO_TCP, c.TCP_USER_TIMEOUT!],
    ['TCP_CONGESTION', c.IPPROTO_TCP, c.TCP_CONGESTION!],
    ['TCP_NOTSENT_LOWAT', c.IPPROTO_TCP, c.TCP_NOTSENT_LOWAT!],
    ['TCP_WINDOW_CLAMP', c.IPPROTO_TCP, c.TCP_WINDOW_CLAMP!],
    ['UDP_CORK', c.IPPROTO_UDP, c.UDP_CORK!],
  ];
  for (const [name, level, option] of probes) {
    try {
      out[name] = getsockopt(sock, level, option, 64).toString('hex');
    } catch (err) {
      out[name] = (err as { code: string }).code;
    }
  }
  return out;
}

/** Valid calls with values that differ from the defaults: harmful if they reached the new owner. */
const harmfulCall: fc.Arbitrary<[string, unknown[]]> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom<[number, number]>(
        [c.IPPROTO_IP, c.IP_TTL],
        [c.IPPROTO_IP, c.IP_TOS],
        [c.SOL_SOCKET, c.SO_PRIORITY!],
        [c.SOL_SOCKET, c.SO_MARK!],
        [c.SOL_SOCKET, c.SO_KEEPALIVE],
        [c.SOL_SOCKET, c.SO_RCVLOWAT],
        [c.IPPROTO_TCP, c.TCP_NODELAY],
        [c.IPPROTO_TCP, c.TCP_KEEPIDLE!],
        [c.IPPROTO_TCP, c.TCP_USER_TIMEOUT!],
        [c.IPPROTO_UDP, c.UDP_CORK!],
      ),
      fc.integer({ min: 1, max: 200 }),
    )
    .map(([[l, o], v]): [string, unknown[]] => ['setsockopt', [l, o, v]]),
  fc.constant<[string, unknown[]]>(['setsockopt', [c.SOL_SOCKET, c.SO_LINGER, Buffer.from([1, 0, 0, 0, 9, 0, 0, 0])]]),
  fc.integer({ min: 4096, max: 1 << 20 }).map((n): [string, unknown[]] => ['setRecvBufferSize', [n]]),
  fc.integer({ min: 4096, max: 1 << 20 }).map((n): [string, unknown[]] => ['setSendBufferSize', [n, { force: true }]]),
  fc
    .tuple(fc.integer({ min: 4096, max: 1 << 20 }), fc.integer({ min: 4096, max: 1 << 20 }), fc.boolean())
    .map(([r, s, force]): [string, unknown[]] => ['setBufferSizes', [{ recv: r, send: s, force }]]),
  fc
    .constantFrom<[string, unknown]>(
      ['SO_KEEPALIVE', true],
      ['SO_RCVTIMEO', 1234],
      ['SO_LINGER', { enabled: true, seconds: 3 }],
      ['UDP_GRO', true],
      ['IP_TTL', 9],
      ['TCP_NODELAY', true],
      ['TCP_CONGESTION', 'reno'],
      ['SO_BINDTODEVICE', 'lo'],
    )
    .map(([n, v]): [string, unknown[]] => ['setOption', [n, v, { unsafe: true }]]),
  fc.constantFrom<[string, unknown[]]>(
    ['getsockopt', [c.SOL_SOCKET, c.SO_TYPE]],
    ['getsockopt', [c.IPPROTO_TCP, c.TCP_INFO, 256]],
    ['getBufferSizes', []],
    ['getRecvBufferSize', []],
    ['getSendBufferSize', []],
    ['getOption', ['SO_RCVBUF']],
    ['socketMemory', []],
    ['queuedBytes', []],
  ),
);

describe('a destroyed socket never reaches the socket that reuses its descriptor number', () => {
  afterEach(closeAll);

  type Victim = {
    label: string;
    make(): Promise<{ victim: net.Socket | dgram.Socket | net.Server; fd: number; kill(): Promise<void> }>;
    code: string;
  };

  const victims: Victim[] = [
    {
      label: 'destroyed TCP client',
      code: 'ERR_SOCKBUF_CLOSED',
      async make() {
        const { client } = await tcpPair();
        return { victim: client, fd: fdOfStream(client), kill: async () => void client.destroy() };
      },
    },
    {
      label: 'destroyed accepted TCP socket',
      code: 'ERR_SOCKBUF_CLOSED',
      async make() {
        const { accepted } = await tcpPair();
        return { victim: accepted, fd: fdOfStream(accepted), kill: async () => void accepted.destroy() };
      },
    },
    {
      label: 'destroyed TLS client',
      code: 'ERR_SOCKBUF_CLOSED',
      async make() {
        const { client } = await tlsPair();
        return { victim: client, fd: fdOfStream(client), kill: async () => void client.destroy() };
      },
    },
    {
      label: 'TCP client closed by its peer',
      code: 'ERR_SOCKBUF_CLOSED',
      async make() {
        const { client, accepted } = await tcpPair();
        const fd = fdOfStream(client);
        return {
          victim: client,
          fd,
          kill: async () => {
            const closed = once(client, 'close');
            client.resume();
            accepted.end();
            await closed;
          },
        };
      },
    },
    {
      label: 'closed dgram socket',
      code: 'ERR_SOCKBUF_CLOSED',
      async make() {
        const u = dgram.createSocket('udp4');
        await new Promise<void>((r) => u.bind(0, '127.0.0.1', r));
        return { victim: u, fd: fdOfDgram(u), kill: () => new Promise<void>((r) => u.close(r)) };
      },
    },
    {
      label: 'closed server',
      code: 'ERR_SOCKBUF_NO_FD',
      async make() {
        const s = net.createServer();
        s.listen(0, '127.0.0.1');
        await once(s, 'listening');
        return { victim: s, fd: fdOfStream(s), kill: () => new Promise<void>((r) => s.close(() => r())) };
      },
    },
  ];

  for (const v of victims) {
    test(`${v.label}: ${v.code}, and the new owner of its number is untouched`, async () => {
      const { victim, fd, kill } = await v.make();
      await kill();
      // Open sockets until one is given the old number (the kernel hands out the lowest free one).
      let owner: net.Socket | dgram.Socket | net.Server | undefined;
      if (victim instanceof dgram.Socket) {
        for (let i = 0; i < 64 && owner === undefined; i++) {
          const u = await boundUdp();
          if (fdOfDgram(u) === fd) owner = u;
        }
      } else {
        const server = await listeningServer();
        if (fdOfStream(server) === fd) owner = server;
        for (let i = 0; i < 32 && owner === undefined; i++) {
          const accepted = once(server, 'connection') as Promise<[net.Socket]>;
          const client = track(net.connect(portOf(server), '127.0.0.1'));
          await once(client, 'connect');
          const [acc] = await accepted;
          track(acc);
          if (fdOfStream(client) === fd) owner = client;
          else if (fdOfStream(acc) === fd) owner = acc;
        }
      }
      if (owner === undefined) throw new Error(`fd ${fd} was not reused within 64 sockets`);
      const before = snapshot(owner);
      fc.assert(
        fc.property(harmfulCall, ([fn, args]) => {
          let threw: unknown;
          try {
            api[fn](victim, ...args);
          } catch (err) {
            threw = err;
          }
          if ((threw as { code?: unknown } | undefined)?.code !== v.code) {
            throw new Error(
              `${fn} on the ${v.label} gave ${show((threw as { code?: unknown })?.code)}, expected ${v.code}`,
            );
          }
        }),
        params(400),
      );
      // configureServer on a closed server only records the sizes: they apply if it listens again.
      if (victim instanceof net.Server) expect(configureServer(victim, { recv: 8192, send: 8192 })).toBeUndefined();
      expect(snapshot(owner)).toEqual(before);
      // The snapshot does see such calls when they reach the socket.
      setsockopt(owner, c.IPPROTO_IP, c.IP_TTL, 201);
      expect(snapshot(owner)).not.toEqual(before);
    });
  }
});

// ---------------------------------------------------------------------------
// Regressions: bugs the properties found, each shown by its smallest case.

describe('regressions', () => {
  afterEach(closeAll);

  // writeTimeval once rounded usec separately, so 999.9999 ms became
  // { tv_sec: 0, tv_usec: 1000000 } and the kernel answered EDOM.
  test('setOption SO_RCVTIMEO accepts every ms value in its documented range', async () => {
    const sock = await boundUdp();
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), (ms) => {
        setOption(sock, 'SO_RCVTIMEO', ms, { unsafe: true });
      }),
      { ...params(200), examples: [[999.9999], [1999.99999]] },
    );
  });

  // util.getSystemErrorName does not name errnos libuv does not know (EDOM...):
  // the code was once "Unknown system error -33".
  test('a system error always has an E-code, even for errnos libuv does not name', async () => {
    const sock = await boundUdp();
    let code: unknown;
    try {
      setsockopt(sock, c.SOL_SOCKET, c.SO_RCVTIMEO, Buffer.from(new BigInt64Array([0n, 1_000_000n]).buffer));
    } catch (err) {
      code = (err as { code?: unknown }).code;
    }
    expect(code).toBe('EDOM');
  });

  // toBytes once read byteOffset/byteLength through the object, so own
  // properties shadowing them made `new Uint8Array(...)` throw an uncoded RangeError.
  test('a TypedArray/DataView with shadowed byteLength/byteOffset gets a coded error or its real bytes', async () => {
    const sock = await boundUdp();
    for (const make of [
      byteMakers['view with a spoofed byteLength'],
      byteMakers['DataView with a spoofed byteOffset'],
    ]) {
      try {
        setsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF, make() as Buffer);
      } catch (err) {
        expect(typeof (err as { code?: unknown }).code).toBe('string');
      }
    }
  });

  // A DataView whose resizable ArrayBuffer shrank below it: its byteOffset
  // getter throws a TypeError without a code (V8 words it "on a detached ArrayBuffer").
  test('a DataView out of bounds of its shrunk resizable ArrayBuffer gets ERR_INVALID_ARG_VALUE', async () => {
    const sock = await boundUdp();
    const view = byteMakers['DataView out of bounds after a shrink']() as DataView;
    let code: unknown;
    try {
      setsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF, view);
    } catch (err) {
      code = (err as { code?: unknown }).code;
    }
    expect(code).toBe('ERR_INVALID_ARG_VALUE');
  });

  // The dgram state symbol was once cached from whichever object came first,
  // so an object posing as a dgram.Socket could make every real dgram socket
  // report ERR_SOCKBUF_CLOSED for the life of the process.
  test('an object posing as a dgram.Socket cannot poison the state-symbol cache', async () => {
    await jest.isolateModulesAsync(async () => {
      const fresh = require('../lib') as typeof import('../lib');
      const impostor = Object.create(dgram.Socket.prototype) as object;
      (impostor as Record<symbol, unknown>)[Symbol('state symbol')] = { handle: { fd: INT32_MAX } };
      try {
        fresh.getsockopt(impostor as dgram.Socket, c.SOL_SOCKET, c.SO_TYPE);
      } catch {
        // EBADF on a number that is never open: fine
      }
      const real = await boundUdp();
      expect(fresh.getsockopt(real, c.SOL_SOCKET, c.SO_TYPE)).toBe(c.SOCK_DGRAM);
    });
  });
});

// ---------------------------------------------------------------------------
// User code inside an argument closes the socket, and a new socket takes its
// number, in the middle of a call. Every argument is read before the
// descriptor is resolved, so the call must see the socket closed; the new
// owner of the number must be untouched (Python reads it).

describe('a getter or Proxy trap that swaps the socket mid-call never reaches the new socket', () => {
  afterEach(closeAll);

  type Victim = net.Socket | net.Server | dgram.Socket;
  const victimKinds = ['tcp client', 'tcp accepted', 'udp4', 'tcp server', 'unix client'] as const;
  type VictimKind = (typeof victimKinds)[number];

  async function makeVictim(kind: VictimKind): Promise<{ victim: Victim; fd: number }> {
    switch (kind) {
      case 'tcp client': {
        const { client } = await tcpPair();
        return { victim: client, fd: fdOfStream(client) };
      }
      case 'tcp accepted': {
        const { accepted } = await tcpPair();
        return { victim: accepted, fd: fdOfStream(accepted) };
      }
      case 'udp4': {
        const u = await boundUdp();
        return { victim: u, fd: fdOfDgram(u) };
      }
      case 'tcp server': {
        const s = await listeningServer();
        return { victim: s, fd: fdOfStream(s) };
      }
      case 'unix client': {
        const dir = mkdtempSync(path.join(tmpdir(), 'sockbuf-swap-'));
        const server = track(net.createServer());
        server.listen(path.join(dir, 's'));
        await once(server, 'listening');
        const client = track(net.connect(path.join(dir, 's')));
        await once(client, 'connect');
        rmSync(dir, { recursive: true, force: true });
        return { victim: client, fd: fdOfStream(client) };
      }
    }
  }

  /** A TCP listener whose descriptor exists when this returns (listen() without a host binds at once). */
  function syncListener(opened: net.Server[]): net.Server {
    const s = track(net.createServer());
    s.listen(0);
    opened.push(s);
    return s;
  }

  /** Closes the victim now and opens listeners until one is given its old number. */
  function swap(victim: Victim, fd: number, opened: net.Server[]): net.Server | undefined {
    if (victim instanceof dgram.Socket) victim.close();
    else if (victim instanceof net.Server) victim.close();
    else victim.destroy();
    for (let i = 0; i < 64; i++) {
      const s = syncListener(opened);
      if (fdOfStream(s) === fd) return s;
    }
    return undefined;
  }

  /** Python reads the same options on two inherited descriptors (fd 3 and 4). */
  function pythonCompare(a: number, b: number): [unknown, unknown] {
    const script = `
import json, socket
def read(fd):
    s = socket.socket(fileno=fd)
    out = {}
    for name, level, opt, size in [
        ('SO_RCVBUF', socket.SOL_SOCKET, socket.SO_RCVBUF, 0),
        ('SO_SNDBUF', socket.SOL_SOCKET, socket.SO_SNDBUF, 0),
        ('SO_LINGER', socket.SOL_SOCKET, socket.SO_LINGER, 8),
        ('SO_KEEPALIVE', socket.SOL_SOCKET, socket.SO_KEEPALIVE, 0),
        ('SO_PRIORITY', socket.SOL_SOCKET, socket.SO_PRIORITY, 0),
        ('SO_RCVTIMEO', socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16),
        ('IP_TTL', socket.IPPROTO_IP, socket.IP_TTL, 0),
        ('TCP_NODELAY', socket.IPPROTO_TCP, socket.TCP_NODELAY, 0),
    ]:
        try:
            v = s.getsockopt(level, opt, size) if size else s.getsockopt(level, opt)
            out[name] = v.hex() if isinstance(v, bytes) else v
        except OSError as e:
            out[name] = 'errno %d' % e.errno
    s.detach()
    return out
print(json.dumps([read(3), read(4)]))
`;
    const res = pythonSync(['-c', script], { stdio: ['pipe', 'pipe', 'pipe', a, b], encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`python failed: ${res.stderr}`);
    return JSON.parse(res.stdout) as [unknown, unknown];
  }

  /**
   * An argument whose user code (a getter, or a Proxy's get trap) runs `hook`
   * the first time the key `at` is read, and otherwise answers `values`.
   */
  function trapped(values: Record<string, unknown>, at: string, how: 'getter' | 'proxy', hook: () => void): object {
    let fired = false;
    const fire = (): void => {
      if (!fired) {
        fired = true;
        hook();
      }
    };
    if (how === 'proxy') {
      return new Proxy(
        { ...values },
        {
          get(target, key) {
            if (key === at) fire();
            return (target as Record<string | symbol, unknown>)[key];
          },
        },
      );
    }
    const obj: Record<string, unknown> = { ...values };
    Object.defineProperty(obj, at, {
      enumerable: true,
      get() {
        fire();
        return values[at];
      },
    });
    return obj;
  }

  /** Raw bytes whose own properties run `hook` when read as a shadowed accessor. */
  function trappedBytes(how: 'arraybuffer' | 'view', hook: () => void): unknown {
    const bytes = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]); // struct linger { 1, 0 }: abortive close
    let fired = false;
    const get = (real: () => unknown) => () => {
      if (!fired) {
        fired = true;
        hook();
      }
      return real();
    };
    if (how === 'arraybuffer') {
      const ab = bytes.buffer;
      for (const key of ['detached', 'byteLength', 'slice']) {
        const real = (ab as unknown as Record<string, unknown>)[key];
        Object.defineProperty(ab, key, { get: get(() => real) });
      }
      return ab;
    }
    for (const key of ['byteLength', 'buffer', 'byteOffset', 'length']) {
      const real = (bytes as unknown as Record<string, unknown>)[key];
      Object.defineProperty(bytes, key, { get: get(() => real) });
    }
    return bytes;
  }

  type Carrier = 'getter' | 'proxy';
  interface SwapCall {
    label: string;
    run(victim: Victim, hook: () => void): unknown;
  }

  const swapCalls = (how: Carrier, key: 'recv' | 'send' | 'force'): SwapCall[] => [
    {
      label: `setBufferSizes, ${how} on ${key}`,
      run: (v, hook) => setBufferSizes(v, trapped({ recv: 8192, send: 8192, force: false }, key, how, hook) as never),
    },
    {
      label: `setRecvBufferSize, ${how} on options.force`,
      run: (v, hook) => setRecvBufferSize(v, 8192, trapped({ force: false }, 'force', how, hook) as never),
    },
    {
      label: `setSendBufferSize, ${how} on options.force`,
      run: (v, hook) => setSendBufferSize(v, 8192, trapped({ force: false }, 'force', how, hook) as never),
    },
    {
      label: `setOption SO_LINGER, ${how} on value.${key === 'recv' ? 'enabled' : 'seconds'}`,
      run: (v, hook) =>
        setOption(
          v,
          'SO_LINGER',
          trapped({ enabled: true, seconds: 0 }, key === 'recv' ? 'enabled' : 'seconds', how, hook) as never,
        ),
    },
    {
      label: `setOption SO_KEEPALIVE, ${how} on options.unsafe`,
      run: (v, hook) =>
        (setOption as (...a: unknown[]) => unknown)(
          v,
          'SO_KEEPALIVE',
          true,
          trapped({ unsafe: false }, 'unsafe', how, hook),
        ),
    },
    {
      label: 'setsockopt SO_LINGER, accessors shadowed on an ArrayBuffer',
      run: (v, hook) => setsockopt(v, c.SOL_SOCKET, c.SO_LINGER, trappedBytes('arraybuffer', hook) as ArrayBuffer),
    },
    {
      label: 'setsockopt SO_LINGER, accessors shadowed on a Uint8Array',
      run: (v, hook) => setsockopt(v, c.SOL_SOCKET, c.SO_LINGER, trappedBytes('view', hook) as Uint8Array),
    },
  ];

  const callArb = fc
    .tuple(
      fc.constantFrom<Carrier>('getter', 'proxy'),
      fc.constantFrom('recv' as const, 'send' as const, 'force' as const),
    )
    .chain(([how, key]) => fc.constantFrom(...swapCalls(how, key)));

  test('the call throws ERR_SOCKBUF_CLOSED / ERR_SOCKBUF_NO_FD and the new owner is as Python finds a fresh socket', async () => {
    /** Calls per function label, for the report of what ran. */
    let swapped = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...victimKinds), callArb, async (kind, call) => {
        const { victim, fd } = await makeVictim(kind);
        const opened: net.Server[] = [];
        let owner: net.Server | undefined;
        let control: net.Server | undefined;
        const hook = (): void => {
          owner = swap(victim, fd, opened);
          control = syncListener(opened);
        };
        let threw: unknown;
        let result: unknown;
        try {
          result = call.run(victim, hook);
        } catch (err) {
          threw = err;
        }
        try {
          if (owner === undefined && control === undefined) {
            // The hook never ran: nothing was swapped, and the call acted on the live victim.
            if (threw !== undefined) throw new Error(`${call.label} on a live ${kind} threw: ${String(threw)}`);
            void result;
            return;
          }
          if (owner === undefined) throw new Error(`fd ${fd} was not reused within 64 listeners`);
          swapped++;
          const code = (threw as { code?: unknown } | undefined)?.code;
          const expected = victim instanceof net.Server ? 'ERR_SOCKBUF_NO_FD' : 'ERR_SOCKBUF_CLOSED';
          if (code !== expected) {
            throw new Error(
              `${call.label} on a ${kind} swapped mid-call: ${threw === undefined ? 'succeeded' : `threw ${show(code)}`}, expected ${expected}`,
            );
          }
          const [seen, fresh] = pythonCompare(fdOfStream(owner), fdOfStream(control!));
          expect_(seen).toEqual(fresh);
        } finally {
          for (const s of opened) s.close();
        }
      }),
      params(60),
    );
    expect(swapped).toBeGreaterThan(0);
  });
});
