// Every stage of a socket's life, with the documented outcome at each:
// connecting (before and after the lookup), half-closed, destroyed, servers
// closed and listening again, cluster workers (round-robin and shared
// handles), sockets and servers passed to another process over IPC, and
// sockets made from an inherited { fd }.
//
// The cross-process tests run test/fixtures/lifecycle-*.js, which load the
// compiled package from dist/ (built here with tsconfig.build.json when it is
// missing or older than lib/).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  configureServer,
  constants as c,
  getBufferSizes,
  getOption,
  getRecvBufferSize,
  getSendBufferSize,
  getsockopt,
  queuedBytes,
  setBufferSizes,
  setOption,
  setRecvBufferSize,
  setSendBufferSize,
  setsockopt,
  socketMemory,
} from '../lib';
import {
  boundUdp,
  closeAll,
  ensureDist,
  listeningServer,
  portOf,
  python,
  stuckListener,
  tcpPair,
  tlsPair,
  track,
} from './helpers';

jest.setTimeout(30_000);
afterEach(closeAll);

const fixture = (name: string): string => path.join(__dirname, 'fixtures', name);
const LINUX = process.platform === 'linux';

// ---------------------------------------------------------------------------
// Helpers

type Attempt = { ok: true; value: unknown } | { ok: false; code: string; message: string };

function attempt(fn: () => unknown): Attempt {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    return { ok: false, code: String(e.code), message: String(e.message) };
  }
}

type AnySocket = net.Socket | net.Server | dgram.Socket;

/** One call of every function that takes a socket, with arguments valid for any socket type. */
const everyCall: [string, (s: AnySocket) => unknown][] = [
  ['getsockopt', (s) => getsockopt(s, c.SOL_SOCKET, c.SO_TYPE)],
  ['getsockopt(length)', (s) => getsockopt(s, c.SOL_SOCKET, c.SO_LINGER, 8)],
  ['setsockopt', (s) => setsockopt(s, c.IPPROTO_IP, c.IP_TTL, 33)],
  ['getBufferSizes', (s) => getBufferSizes(s)],
  ['getRecvBufferSize', (s) => getRecvBufferSize(s)],
  ['getSendBufferSize', (s) => getSendBufferSize(s)],
  ['setBufferSizes', (s) => setBufferSizes(s, { recv: 65536, send: 65536 })],
  ['setRecvBufferSize', (s) => setRecvBufferSize(s, 65536)],
  ['setSendBufferSize', (s) => setSendBufferSize(s, 65536)],
  ['getOption', (s) => getOption(s, 'IP_TTL')],
  ['setOption', (s) => setOption(s, 'SO_KEEPALIVE', true)],
  ['socketMemory', (s) => socketMemory(s)],
  ['queuedBytes', (s) => queuedBytes(s)],
];

/** Runs every call; returns { name: outcome }. */
function callAll(sock: AnySocket, skip: string[] = []): Record<string, Attempt> {
  const out: Record<string, Attempt> = {};
  for (const [name, call] of everyCall) if (!skip.includes(name)) out[name] = attempt(() => call(sock));
  return out;
}

/** Every call fails with `code` and a message matching `message`. */
function expectAllFail(sock: AnySocket, code: string, message: RegExp): void {
  const results = callAll(sock);
  for (const [name, r] of Object.entries(results)) {
    expect({ name, ok: r.ok, code: r.ok ? undefined : r.code }).toEqual({ name, ok: false, code });
    if (!r.ok) expect(r.message).toMatch(message);
  }
}

/** Every call succeeds. */
function expectAllWork(sock: AnySocket, skip: string[] = []): void {
  const results = callAll(sock, skip);
  for (const [name, r] of Object.entries(results)) {
    expect({ name, result: r }).toEqual({ name, result: { ok: true, value: r.ok ? r.value : undefined } });
  }
}

function fdOf(sock: net.Socket | net.Server): number {
  const fd = (sock as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number') throw new Error('no fd');
  return fd;
}

const NO_FD_CONNECT = /no file descriptor yet: it gets one when it starts connecting/;
const NO_FD_LISTEN = /no file descriptor yet: it is not listening; call after listen\(\)/;
const NO_FD_CLUSTER = /does not own a socket \(a cluster worker shares the primary's listening socket\)/;
const CLOSED = /is closed or destroyed/;

/** TCP state from TCP_INFO (first byte): 1 established, 2 SYN_SENT. */
function tcpState(sock: net.Socket): number {
  return getsockopt(sock, c.IPPROTO_TCP, c.TCP_INFO!, 8)[0];
}

/** Runs a fixture to completion and parses the one JSON document it prints. */
async function runFixture<T>(args: string[], extraFd?: number): Promise<T> {
  const stdio: ('ignore' | 'pipe' | number)[] = ['ignore', 'pipe', 'pipe'];
  if (extraFd !== undefined) stdio.push(extraFd);
  const child = spawn(process.execPath, args, { stdio, timeout: 20_000 });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0 || err !== '') throw new Error(`${args.join(' ')} exited ${code}\nstdout: ${out}\nstderr: ${err}`);
  return JSON.parse(out) as T;
}

const ok = (value?: unknown): Attempt => ({ ok: true, value });
const okAny = expect.objectContaining({ ok: true });
const failed = (code: string, message: RegExp): unknown =>
  expect.objectContaining({ ok: false, code, message: expect.stringMatching(message) });

// ---------------------------------------------------------------------------

describe('a client while it connects', () => {
  test('before its host name is looked up: ERR_SOCKBUF_NO_FD saying when; after: its descriptor, still connecting', async () => {
    const stuck = await stuckListener();
    try {
      let release: (() => void) | undefined;
      const client = track(
        net.connect({
          port: stuck.port,
          host: 'sockbuf.invalid',
          // A lookup that answers only when the test says so.
          lookup: ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) => {
            release = () => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4));
          }) as never,
        }),
      );
      client.on('error', () => {});
      expect(client.connecting).toBe(true);
      expect(callAll(client)).toEqual(
        Object.fromEntries(everyCall.map(([name]) => [name, failed('ERR_SOCKBUF_NO_FD', NO_FD_CONNECT)])),
      );
      await new Promise((r) => setTimeout(r, 20));
      expect(attempt(() => getsockopt(client, c.SOL_SOCKET, c.SO_TYPE))).toEqual(
        failed('ERR_SOCKBUF_NO_FD', NO_FD_CONNECT),
      );
      const looked = once(client, 'lookup');
      release!();
      await looked;
      await new Promise((r) => process.nextTick(r));
      // The socket exists now and is connecting (its SYN goes unanswered).
      expect(client.connecting).toBe(true);
      expect(getsockopt(client, c.SOL_SOCKET, c.SO_TYPE)).toBe(c.SOCK_STREAM);
      expect(tcpState(client)).toBe(2);
      expectAllWork(client);
    } finally {
      stuck.stop();
    }
  });

  test('to an IP address: no descriptor in the tick of connect(), a descriptor from the next tick', async () => {
    const server = await listeningServer();
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    expect(attempt(() => getRecvBufferSize(client))).toEqual(failed('ERR_SOCKBUF_NO_FD', NO_FD_CONNECT));
    await new Promise((r) => process.nextTick(r));
    expect(client.connecting).toBe(true);
    expect(attempt(() => getRecvBufferSize(client))).toEqual(expect.objectContaining({ ok: true }));
    await once(client, 'connect');
    expect(tcpState(client)).toBe(1);
  });

  test('stuck in SYN_SENT: settings made before the handshake are those of the socket (Python reads them)', async () => {
    const stuck = await stuckListener();
    try {
      const client = track(net.connect(stuck.port, '127.0.0.1'));
      client.on('error', () => {});
      await new Promise((r) => setTimeout(r, 50));
      expect(client.connecting).toBe(true);
      expect(tcpState(client)).toBe(2);
      setsockopt(client, c.IPPROTO_IP, c.IP_TTL, 42);
      const report = setRecvBufferSize(client, 262144);
      expect(report.requested).toBe(262144);
      const seen = python<[number, number]>(
        fdOf(client),
        'out([sock.getsockopt(socket.IPPROTO_IP, socket.IP_TTL), sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)])',
      );
      expect(seen).toEqual([42, report.effective]);
      expect(queuedBytes(client)).toEqual({ recv: 0, send: 0, unsent: process.platform === 'linux' ? 0 : null });
      client.destroy();
      expectAllFail(client, 'ERR_SOCKBUF_CLOSED', CLOSED);
    } finally {
      stuck.stop();
    }
  });

  test('a refused connection: ERR_SOCKBUF_CLOSED from its "error" event on', async () => {
    const server = await listeningServer();
    const port = portOf(server);
    await new Promise<void>((r) => server.close(() => r()));
    const client = net.connect(port, '127.0.0.1');
    const [err] = (await once(client, 'error').catch((e: unknown) => [e])) as [Error & { code: string }];
    expect(err.code).toBe('ECONNREFUSED');
    expect(attempt(() => getsockopt(client, c.SOL_SOCKET, c.SO_ERROR))).toEqual(failed('ERR_SOCKBUF_CLOSED', CLOSED));
    await once(client, 'close');
    expectAllFail(client, 'ERR_SOCKBUF_CLOSED', CLOSED);
  });
});

describe('half-closed sockets', () => {
  test('after "end" with allowHalfOpen: every call works, and the socket still sends', async () => {
    const server = await listeningServer(undefined, { allowHalfOpen: true });
    const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    await once(client, 'connect');
    const [accepted] = await acceptedP;
    track(accepted);
    accepted.resume();
    client.end();
    await once(accepted, 'end');
    expect(accepted.readableEnded).toBe(true);
    expect(accepted.destroyed).toBe(false);
    expectAllWork(accepted);
    setsockopt(accepted, c.IPPROTO_IP, c.IP_TTL, 17);
    expect(python<number>(fdOf(accepted), 'out(sock.getsockopt(socket.IPPROTO_IP, socket.IP_TTL))')).toBe(17);
    // The client's own side is half-closed too (its 'finish' fired) and works.
    expect(client.writableFinished).toBe(true);
    expectAllWork(client);
    const got = once(client, 'data');
    accepted.end('after end');
    expect(String((await got)[0])).toBe('after end');
  });

  test('inside the "end" handler without allowHalfOpen the socket is still open; after "close" it is closed', async () => {
    const { client, accepted } = await tcpPair();
    accepted.resume();
    const during = new Promise<Record<string, Attempt>>((resolve) => {
      accepted.once('end', () => resolve(callAll(accepted)));
    });
    client.end();
    const results = await during;
    for (const [name, r] of Object.entries(results)) expect({ name, ok: r.ok }).toEqual({ name, ok: true });
    if (!accepted.destroyed) await once(accepted, 'close');
    expectAllFail(accepted, 'ERR_SOCKBUF_CLOSED', CLOSED);
  });
});

describe('destroyed sockets: ERR_SOCKBUF_CLOSED from every function', () => {
  test('a TCP client and an accepted socket, right after destroy()', async () => {
    const { client, accepted } = await tcpPair();
    client.destroy();
    accepted.destroy();
    for (const s of [client, accepted]) {
      expectAllFail(s, 'ERR_SOCKBUF_CLOSED', CLOSED);
      expect(attempt(() => configureServer(s as never, { recv: 1 }))).toEqual(
        failed('ERR_INVALID_ARG_TYPE', /net\.Server/),
      );
    }
  });

  test('TLS sockets, client and server side', async () => {
    const { client, accepted } = await tlsPair();
    expectAllWork(client);
    client.destroy();
    accepted.destroy();
    expectAllFail(client, 'ERR_SOCKBUF_CLOSED', CLOSED);
    expectAllFail(accepted, 'ERR_SOCKBUF_CLOSED', CLOSED);
  });

  test('a connection reset by its peer', async () => {
    const { client, accepted } = await tcpPair();
    const closed = new Promise<void>((resolve) => {
      client.on('error', () => {});
      client.on('close', () => resolve());
    });
    accepted.resetAndDestroy();
    await closed;
    expectAllFail(client, 'ERR_SOCKBUF_CLOSED', CLOSED);
    expectAllFail(accepted, 'ERR_SOCKBUF_CLOSED', CLOSED);
  });

  test('a socket destroyed before it ever connected', () => {
    const sock = new net.Socket();
    expectAllFail(sock, 'ERR_SOCKBUF_NO_FD', NO_FD_CONNECT);
    sock.destroy();
    expectAllFail(sock, 'ERR_SOCKBUF_CLOSED', CLOSED);
  });

  test('dgram sockets: unbound, bound, closed', async () => {
    const sock = track(dgram.createSocket('udp4'));
    expectAllFail(sock, 'ERR_SOCKBUF_NO_FD', /bind\(\)/);
    sock.bind(0, '127.0.0.1');
    // bind() is asynchronous: until "listening" the socket has no descriptor.
    expect(attempt(() => getRecvBufferSize(sock))).toEqual(failed('ERR_SOCKBUF_NO_FD', /bind\(\)/));
    await once(sock, 'listening');
    expectAllWork(sock);
    expect(getRecvBufferSize(sock)).toBe(sock.getRecvBufferSize());
    sock.close();
    expectAllFail(sock, 'ERR_SOCKBUF_CLOSED', CLOSED);
  });
});

describe('servers', () => {
  test('not listening, listening, closed (it can listen again: ERR_SOCKBUF_NO_FD), listening again', async () => {
    const server = track(net.createServer());
    expectAllFail(server, 'ERR_SOCKBUF_NO_FD', NO_FD_LISTEN);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // queuedBytes (SIOCINQ) is EINVAL on a listening TCP socket.
    expectAllWork(server, ['queuedBytes']);
    expect(getsockopt(server, c.SOL_SOCKET, c.SO_ACCEPTCONN)).toBe(1);
    const closed = once(server, 'close');
    server.close();
    // Synchronously after close(), and after its "close" event: not listening (not "closed").
    expectAllFail(server, 'ERR_SOCKBUF_NO_FD', NO_FD_LISTEN);
    await closed;
    expectAllFail(server, 'ERR_SOCKBUF_NO_FD', NO_FD_LISTEN);
    // Sizes configured while closed apply when it listens again.
    expect(configureServer(server, { recv: 98304 })).toBeUndefined();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    expect(getsockopt(server, c.SOL_SOCKET, c.SO_ACCEPTCONN)).toBe(1);
    expect(getRecvBufferSize(server)).toBe(LINUX ? 2 * 98304 : 98304);
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    const [accepted] = (await once(server, 'connection')) as [net.Socket];
    track(accepted);
    await once(client, 'connect');
    expect(getRecvBufferSize(accepted)).toBe(LINUX ? 2 * 98304 : 98304);
  });

  test('closing a server leaves the connections it accepted working', async () => {
    const { server, client, accepted } = await tcpPair();
    server.close();
    expect(attempt(() => getsockopt(server, c.SOL_SOCKET, c.SO_TYPE))).toEqual(
      failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN),
    );
    expectAllWork(accepted);
    expectAllWork(client);
  });
});

// ---------------------------------------------------------------------------
// Across processes

interface ClusterReport {
  policy: string;
  error?: string;
  listening: Record<string, unknown>;
  connection: Record<string, unknown>;
  sent: Record<string, unknown>;
  closed: Record<string, unknown>;
}

describe('cluster workers', () => {
  beforeAll(ensureDist);

  test("round-robin: the worker's server has no socket of its own (ERR_SOCKBUF_NO_FD about the cluster); the sockets it receives work", async () => {
    const r = await runFixture<ClusterReport>([fixture('lifecycle-cluster.js'), 'rr']);
    expect(r.error).toBeUndefined();
    expect(r.listening).toEqual({
      listening: true,
      configuredBefore: ok(undefined),
      server: failed('ERR_SOCKBUF_NO_FD', NO_FD_CLUSTER),
      recv: failed('ERR_SOCKBUF_NO_FD', NO_FD_CLUSTER),
      // No listening socket to size: configureServer sizes each connection instead.
      configureNow: ok(undefined),
    });
    // A connection the primary accepted and handed over: the worker sizes and sets it.
    expect(r.connection).toEqual({
      type: ok(c.SOCK_STREAM),
      setTtl: ok(undefined),
      ttl: ok(63),
      recvConfigured: LINUX ? 2 * 98304 : 98304,
      sizes: okAny,
    });
    // A socket the primary sent with worker.send(): one socket, two descriptors.
    expect(r.sent).toEqual({
      received: 'Socket',
      setTtl: ok(undefined),
      ttl: ok(44),
      sizes: okAny,
      ttlSeenByPrimary: ok(44),
    });
    expect(r.closed).toEqual({
      afterCloseSync: failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN),
      afterClose: failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN),
    });
  });

  test("SCHED_NONE: the worker's server holds a shared listening descriptor, and everything works on it", async () => {
    const r = await runFixture<ClusterReport>([fixture('lifecycle-cluster.js'), 'none']);
    expect(r.error).toBeUndefined();
    expect(r.listening).toEqual({
      listening: true,
      configuredBefore: ok(undefined),
      server: ok(1),
      recv: ok(LINUX ? 2 * 98304 : 98304),
      configureNow: expect.objectContaining({
        ok: true,
        value: expect.objectContaining({ recv: expect.objectContaining({ requested: 98304, clamped: false }) }),
      }),
    });
    expect(r.connection).toEqual(expect.objectContaining({ ttl: ok(63), recvConfigured: LINUX ? 2 * 98304 : 98304 }));
    expect(r.sent).toEqual(expect.objectContaining({ ttl: ok(44), ttlSeenByPrimary: ok(44) }));
    expect(r.closed).toEqual({
      afterCloseSync: failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN),
      afterClose: failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN),
    });
  });
});

interface ChildReport {
  kind: string;
  received: string | null;
  connecting?: boolean;
  fd?: number;
  results: Record<string, Attempt>;
  acceptconn?: Attempt;
  recv?: Attempt;
  nodeRecv?: number;
  afterDestroy?: Attempt;
  afterClose?: Attempt;
}

describe('handles sent to another process with child.send(message, handle)', () => {
  let child: ChildProcess;

  beforeAll(async () => {
    ensureDist();
    child = fork(fixture('lifecycle-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    await once(child, 'message');
  });

  afterAll(async () => {
    if (child.connected) {
      const exited = once(child, 'exit');
      child.send('exit');
      await exited;
    }
  });

  function ask(msg: object, handle: net.Socket | net.Server | dgram.Socket, keepOpen: boolean): Promise<ChildReport> {
    const answer = once(child, 'message') as Promise<[ChildReport]>;
    child.send(msg, handle as net.Socket, { keepOpen });
    return answer.then(([r]) => r);
  }

  const allOk = Object.fromEntries(
    ['type', 'setTtl', 'ttl', 'sizes', 'setRecv', 'memory', 'queued'].map((k) => [k, okAny]),
  );

  test('a connected socket, kept open here too: both processes act on the one socket', async () => {
    const { client, accepted } = await tcpPair();
    const r = await ask({ kind: 'socket', ttl: 66 }, accepted, true);
    expect(r.received).toBe('Socket');
    expect(r.results).toEqual(allOk);
    expect(r.results.ttl).toEqual(ok(66));
    expect(r.results.type).toEqual(ok(c.SOCK_STREAM));
    // The child destroyed its copy: there, it is closed.
    expect(r.afterDestroy).toEqual(failed('ERR_SOCKBUF_CLOSED', CLOSED));
    // Here, the same socket through our own descriptor.
    expect(getsockopt(accepted, c.IPPROTO_IP, c.IP_TTL)).toBe(66);
    expect(python<number>(fdOf(accepted), 'out(sock.getsockopt(socket.IPPROTO_IP, socket.IP_TTL))')).toBe(66);
    expectAllWork(accepted);
    const got = once(client, 'data');
    accepted.write('still here');
    expect(String((await got)[0])).toBe('still here');
  });

  test('a connected socket handed over (keepOpen false): it works in the child', async () => {
    const { accepted } = await tcpPair();
    const r = await ask({ kind: 'socket', ttl: 65 }, accepted, false);
    expect(r.results).toEqual(allOk);
    expect(r.results.ttl).toEqual(ok(65));
    expect(r.afterDestroy).toEqual(failed('ERR_SOCKBUF_CLOSED', CLOSED));
  });

  // After child.send(msg, socket) without keepOpen, Node sets
  // socket._handle = null but leaves socket.destroyed false: the socket is
  // gone from this process, which must say ERR_SOCKBUF_CLOSED, not NO_FD.
  test('a connected socket handed over (keepOpen false): here it is gone, ERR_SOCKBUF_CLOSED', async () => {
    const { accepted } = await tcpPair();
    await ask({ kind: 'socket', ttl: 64 }, accepted, false);
    expectAllFail(accepted, 'ERR_SOCKBUF_CLOSED', CLOSED);
  });

  test('a listening server: the child listens on the same socket; closing its copy leaves ours listening', async () => {
    const server = await listeningServer();
    const r = await ask({ kind: 'server', ttl: 67 }, server, true);
    expect(r.received).toBe('Server');
    // SIOCINQ is EINVAL on a listening socket: every other call works.
    expect(r.results).toEqual({ ...allOk, queued: failed('EINVAL', /ioctl EINVAL/) });
    expect(r.results.ttl).toEqual(ok(67));
    expect(r.acceptconn).toEqual(ok(1));
    expect(r.afterClose).toEqual(failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN));
    expect(getsockopt(server, c.IPPROTO_IP, c.IP_TTL)).toBe(67);
    expect(getsockopt(server, c.SOL_SOCKET, c.SO_ACCEPTCONN)).toBe(1);
  });

  test('a bound dgram socket: found through its state in the child too', async () => {
    const udp = await boundUdp();
    const r = await ask({ kind: 'dgram', ttl: 68 }, udp, true);
    expect(r.received).toBe('Socket');
    expect(r.results).toEqual(allOk);
    expect(r.results.ttl).toEqual(ok(68));
    expect(r.recv).toEqual(ok(r.nodeRecv));
    expect(r.afterClose).toEqual(failed('ERR_SOCKBUF_CLOSED', CLOSED));
    expect(getsockopt(udp, c.IPPROTO_IP, c.IP_TTL)).toBe(68);
    expectAllWork(udp);
  });
});

describe('sockets made from an inherited { fd }', () => {
  beforeAll(ensureDist);

  test('new net.Socket({ fd }): works, { fd } works, destroyed is ERR_SOCKBUF_CLOSED; ours is untouched', async () => {
    const { client } = await tcpPair();
    const r = await runFixture<{
      socket: Record<string, Attempt>;
      asObject: Attempt;
      handleFd: number;
      afterDestroy: Attempt;
    }>([fixture('lifecycle-child.js'), 'fd-socket'], fdOf(client));
    expect(r.handleFd).toBe(3);
    expect(r.socket).toEqual(Object.fromEntries(Object.keys(r.socket).map((k) => [k, okAny])));
    expect(r.socket.ttl).toEqual(ok(71));
    expect(r.asObject).toEqual(ok(71));
    expect(r.afterDestroy).toEqual(failed('ERR_SOCKBUF_CLOSED', CLOSED));
    // The child's descriptor 3 was its own copy: ours still names the socket it set.
    expect(getsockopt(client, c.IPPROTO_IP, c.IP_TTL)).toBe(71);
    expectAllWork(client);
  });

  test('server.listen({ fd }): not listening before, works while listening, ERR_SOCKBUF_NO_FD after close', async () => {
    const server = await listeningServer();
    const r = await runFixture<Record<string, unknown>>([fixture('lifecycle-child.js'), 'fd-server'], fdOf(server));
    expect(r.beforeListen).toEqual(failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN));
    expect((r.listening as Record<string, Attempt>).ttl).toEqual(ok(72));
    expect(r.acceptconn).toEqual(ok(1));
    expect(r.configure).toEqual(ok(32768));
    expect(r.afterClose).toEqual(failed('ERR_SOCKBUF_NO_FD', NO_FD_LISTEN));
    expect(getsockopt(server, c.IPPROTO_IP, c.IP_TTL)).toBe(72);
    expect(getsockopt(server, c.SOL_SOCKET, c.SO_ACCEPTCONN)).toBe(1);
  });
});
