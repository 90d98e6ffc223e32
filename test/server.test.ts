// configureServer: every accepted connection gets the sizes, whether it was
// called before or after listen(), checked on the accepted sockets and by
// Python reading their descriptors.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { configureServer, constants, getBufferSizes, getRecvBufferSize, getsockopt } from '../lib';
import { resolveFd } from '../lib/resolve';
import { closeAll, codeOf, ensureDist, portOf, python, sysctl, track } from './helpers';

afterEach(closeAll);

const RECV = 200_000;
const SEND = 150_000;

/** Opens `n` connections and returns the sizes each accepted socket has. */
async function acceptedSizes(server: net.Server, n: number): Promise<{ recv: number; send: number; py: number }[]> {
  const seen: { recv: number; send: number; py: number }[] = [];
  const done = new Promise<void>((resolve) => {
    server.on('connection', (sock: net.Socket) => {
      track(sock);
      const sizes = getBufferSizes(sock);
      const py = python<number>(resolveFd(sock), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))');
      seen.push({ ...sizes, py });
      if (seen.length === n) resolve();
    });
  });
  for (let i = 0; i < n; i++) {
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    await once(client, 'connect');
  }
  await done;
  return seen;
}

test('called before listen(): applied on "listening", inherited by every accepted socket', async () => {
  const server = track(net.createServer());
  expect(configureServer(server, { recv: RECV, send: SEND })).toBeUndefined();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  expect(getBufferSizes(server)).toEqual({ recv: 2 * RECV, send: 2 * SEND });
  const sizes = await acceptedSizes(server, 4);
  expect(sizes).toEqual(Array(4).fill({ recv: 2 * RECV, send: 2 * SEND, py: 2 * RECV }));
});

test('called after listen(): reports the listening socket and applies to later connections', async () => {
  const server = track(net.createServer());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const report = configureServer(server, { recv: RECV, send: SEND });
  expect(report?.recv).toMatchObject({ requested: RECV, effective: 2 * RECV, clamped: false });
  expect(report?.send).toMatchObject({ requested: SEND, effective: 2 * SEND, clamped: false });
  const sizes = await acceptedSizes(server, 3);
  expect(sizes).toEqual(Array(3).fill({ recv: 2 * RECV, send: 2 * SEND, py: 2 * RECV }));
});

test('without configureServer, accepted sockets keep the defaults (the test can tell)', async () => {
  const server = track(net.createServer());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const [first] = await acceptedSizes(server, 1);
  expect(first.recv).not.toBe(2 * RECV);
});

test('perConnection: each accepted socket is sized before user code sees it', async () => {
  const server = track(net.createServer());
  configureServer(server, { recv: RECV, perConnection: true });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sizes = await acceptedSizes(server, 3);
  for (const s of sizes) expect(s.recv).toBe(2 * RECV);
});

test('calling again replaces the sizes; re-listening after close applies them again', async () => {
  const server = track(net.createServer());
  configureServer(server, { recv: RECV });
  configureServer(server, { recv: 2 * RECV });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  expect(getRecvBufferSize(server)).toBe(4 * RECV);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  expect(getRecvBufferSize(server)).toBe(4 * RECV);
  const [first] = await acceptedSizes(server, 1);
  expect(first.recv).toBe(4 * RECV);
});

test('an http.Server is a net.Server: its requests arrive on sized sockets', async () => {
  const server = track(
    http.createServer((req, res) => {
      res.end(String(getRecvBufferSize(req.socket)));
    }),
  );
  configureServer(server, { recv: RECV });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const body = await new Promise<string>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: portOf(server), agent: false }, (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve(data));
      })
      .on('error', reject);
  });
  expect(Number(body)).toBe(2 * RECV);
});

test('bad arguments: not a server, bad sizes', () => {
  expect(codeOf(() => configureServer({} as never, { recv: 1 }))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => configureServer(net.createServer(), { recv: -1 }))).toBe('ERR_OUT_OF_RANGE');
  expect(codeOf(() => configureServer(net.createServer(), { recv: 1, perConnection: 1 as never }))).toBe(
    'ERR_INVALID_ARG_TYPE',
  );
  expect(codeOf(() => configureServer(net.createServer(), undefined as never))).toBe('ERR_INVALID_ARG_TYPE');
});

// ---------------------------------------------------------------------------
// Every accepted connection: the windows before the listening socket is sized

const LINUX = process.platform === 'linux';

/** SO_RCVBUF and SO_SNDBUF of a socket, read by Python on its descriptor. */
function pythonSizes(sock: net.Socket): { recv: number; send: number } {
  return python(
    resolveFd(sock),
    'out({"recv": sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), "send": sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)})',
  );
}

/** Records, for the next `n` accepted sockets, their sizes as Python reads them when Node accepts them. */
function recordAccepted(server: net.Server, n: number): Promise<{ recv: number; send: number }[]> {
  const seen: { recv: number; send: number }[] = [];
  return new Promise((resolve) => {
    const listener = (sock: net.Socket): void => {
      track(sock);
      seen.push(pythonSizes(sock));
      if (seen.length === n) {
        server.off('connection', listener);
        resolve(seen);
      }
    };
    server.on('connection', listener);
  });
}

/** A TCP port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = portOf(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * Waits (blocking this process, so Node accepts nothing meanwhile) until the
 * listening socket's accept queue holds `n` connections, and returns its
 * length as Python reads it (tcp_info's tcpi_unacked on a listener).
 */
function waitForAcceptQueue(server: net.Server, n: number): number {
  return python<number>(
    resolveFd(server),
    [
      'import time',
      'deadline = time.time() + 10',
      'while True:',
      '    q = struct.unpack_from("I", sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104), 24)[0]',
      `    if q >= ${n} or time.time() > deadline: break`,
      '    time.sleep(0.01)',
      'out(q)',
    ].join('\n'),
  );
}

const linuxOnly = LINUX ? test : test.skip;

/** Whether sockbuf can read a listening socket's accept queue (tcp_info in full). */
function acceptQueueReadable(server: net.Server): boolean {
  return getsockopt(server, constants.IPPROTO_TCP, constants.TCP_INFO!, 32).length >= 28;
}

describe('every accepted connection gets the sizes', () => {
  // listen(port, host) looks the host up first: listen(2) runs a tick after
  // listen() and "listening" a tick after that, and a client connecting in
  // the same tick completes its handshake in between.
  test.each([
    ['listen(port, host): listen(2) after a lookup', true],
    ['listen(port): listen(2) inside listen()', false],
  ])('a client that connects in the same tick as %s', async (_name, withHost) => {
    const port = await freePort();
    const server = track(net.createServer());
    expect(configureServer(server, { recv: RECV, send: SEND })).toBeUndefined();
    const accepted = recordAccepted(server, 3);
    if (withHost) server.listen(port, '127.0.0.1');
    else server.listen(port);
    const clients = [0, 1, 2].map(() => track(net.connect(port, '127.0.0.1')));
    await Promise.all(clients.map((c) => once(c, 'connect')));
    expect(await accepted).toEqual(Array(3).fill({ recv: 2 * RECV, send: 2 * SEND }));
  });

  linuxOnly('connections already queued when configureServer is called on a listening server', async () => {
    const server = track(net.createServer());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = recordAccepted(server, 7);
    const early = [0, 1, 2, 3, 4].map(() => track(net.connect(portOf(server), '127.0.0.1')));
    // The clients' connect(2) calls run on the next tick; Node accepts only when
    // the event loop polls, which the blocking wait below keeps it from doing.
    await new Promise((resolve) => process.nextTick(resolve));
    expect(waitForAcceptQueue(server, 5)).toBe(5);
    const report = configureServer(server, { recv: RECV, send: SEND });
    // Where the listening socket's tcp_info cannot be read in full (qemu-user
    // truncates it), the queue is unknown and the next 1024 are sized.
    expect(report).toMatchObject({
      queued: acceptQueueReadable(server) ? 5 : 1024,
      accepted: { recv: 2 * RECV, send: 2 * SEND },
    });
    // Two more after the call: they inherit from the listening socket.
    const late = [0, 1].map(() => track(net.connect(portOf(server), '127.0.0.1')));
    await Promise.all([...early, ...late].map((c) => once(c, 'connect')));
    expect(await accepted).toEqual(Array(7).fill({ recv: 2 * RECV, send: 2 * SEND }));
  });

  test('a Unix-domain server: accepted sockets do not inherit, so each one is sized', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sockbuf-'));
    try {
      const file = path.join(dir, 's.sock');
      const server = track(net.createServer());
      configureServer(server, { recv: RECV, send: SEND });
      server.listen(file);
      await once(server, 'listening');
      const accepted = recordAccepted(server, 2);
      const clients = [0, 1].map(() => track(net.connect(file)));
      await Promise.all(clients.map((c) => once(c, 'connect')));
      expect(await accepted).toEqual(Array(2).fill({ recv: 2 * RECV, send: 2 * SEND }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('calling configureServer again', () => {
  test('on a listening server: new sizes apply; an omitted direction keeps the earlier size', async () => {
    const server = track(net.createServer());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const first = configureServer(server, { recv: RECV, send: SEND });
    expect(first).toMatchObject({
      queued: acceptQueueReadable(server) ? 0 : 1024,
      accepted: { recv: 2 * RECV, send: 2 * SEND },
    });
    const second = configureServer(server, { recv: 2 * RECV });
    expect(second?.send).toBeUndefined();
    // The kernel keeps SO_SNDBUF locked at the first call's size.
    expect(second?.accepted).toEqual({ recv: 4 * RECV, send: 2 * SEND });
    const accepted = recordAccepted(server, 2);
    const clients = [0, 1].map(() => track(net.connect(portOf(server), '127.0.0.1')));
    await Promise.all(clients.map((c) => once(c, 'connect')));
    expect(await accepted).toEqual(Array(2).fill(second?.accepted));
  });

  test('a direction no call set is left to the kernel (accepted: null)', async () => {
    const server = track(net.createServer());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    expect(configureServer(server, { recv: RECV })?.accepted).toEqual({ recv: 2 * RECV, send: null });
  });

  test('a server that listens again gets a new socket: only the last call counts', async () => {
    const server = track(net.createServer());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    configureServer(server, { recv: RECV, send: SEND });
    configureServer(server, { recv: 2 * RECV });
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const [sizes] = await (async () => {
      const accepted = recordAccepted(server, 1);
      await once(track(net.connect(portOf(server), '127.0.0.1')), 'connect');
      return accepted;
    })();
    expect(sizes.recv).toBe(4 * RECV);
    expect(sizes.send).not.toBe(2 * SEND);
  });
});

describe('what it costs per connection (system calls counted by strace)', () => {
  const hasStrace = spawnSync('strace', ['-V']).status === 0;
  const withStrace = LINUX && hasStrace ? test : test.skip;

  /** Runs the fixture under strace and counts buffer-size calls on each descriptor. */
  function traced(
    mode: 'each' | 'inherit',
    n: number,
  ): { listener: Record<string, number>; accepted: Record<string, number>[] } {
    ensureDist();
    const dir = mkdtempSync(path.join(tmpdir(), 'sockbuf-strace-'));
    try {
      const log = path.join(dir, 'trace');
      const fixture = path.join(__dirname, 'fixtures', 'server-syscalls.js');
      const res = spawnSync(
        'strace',
        ['-f', '-qq', '-e', 'trace=setsockopt,getsockopt', '-o', log, process.execPath, fixture, mode, String(n)],
        { encoding: 'utf8', timeout: 30_000 },
      );
      expect(res.status).toBe(0);
      const fds = JSON.parse(res.stdout) as { listener: number; accepted: number[] };
      const counts = new Map<number, Record<string, number>>();
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        const m = /^\d+\s+(setsockopt|getsockopt)\((\d+), (\w+), (\w+)/.exec(line);
        if (m === null || m[4] === 'SO_REUSEADDR' || m[4] === 'SO_ERROR') continue;
        const byFd = counts.get(Number(m[2])) ?? {};
        const key = `${m[1]} ${m[4]}`;
        byFd[key] = (byFd[key] ?? 0) + 1;
        counts.set(Number(m[2]), byFd);
      }
      return { listener: counts.get(fds.listener) ?? {}, accepted: fds.accepted.map((fd) => counts.get(fd) ?? {}) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  withStrace('perConnection: exactly two setsockopt calls per connection, no read-back', () => {
    const { accepted } = traced('each', 4);
    expect(accepted).toEqual(Array(4).fill({ 'setsockopt SO_RCVBUF': 1, 'setsockopt SO_SNDBUF': 1 }));
  });

  withStrace(
    'inherited: no call per connection; the listening socket is set, read back, and its queue read once',
    async () => {
      const probe = track(net.createServer());
      probe.listen(0, '127.0.0.1');
      await once(probe, 'listening');
      // Under qemu-user the queue cannot be read, and the connections are sized one by one.
      const perAccepted = acceptQueueReadable(probe) ? {} : { 'setsockopt SO_RCVBUF': 1, 'setsockopt SO_SNDBUF': 1 };
      const { listener, accepted } = traced('inherit', 4);
      expect(listener).toEqual({
        'setsockopt SO_RCVBUF': 1,
        'getsockopt SO_RCVBUF': 1,
        'setsockopt SO_SNDBUF': 1,
        'getsockopt SO_SNDBUF': 1,
        'getsockopt TCP_INFO': 1,
      });
      expect(accepted).toEqual(Array(4).fill(perAccepted));
    },
  );
});

describe('the window scale (ss -ti on the accepted socket)', () => {
  /** The window scale the server offered in the handshake: ss's wscale:<snd>,<rcv> on its side. */
  async function offeredScale(recv: number | undefined): Promise<number> {
    const server = track(net.createServer());
    if (recv !== undefined) configureServer(server, { recv });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    await once(track(net.connect(portOf(server), '127.0.0.1')), 'connect');
    track(((await accepted) as [net.Socket])[0]);
    const res = spawnSync('ss', ['-tin', 'state', 'established', `( sport = :${portOf(server)} )`], {
      encoding: 'utf8',
    });
    const m = /wscale:(\d+),(\d+)/.exec(res.stdout);
    if (m === null) throw new Error(`no wscale in ss output:\n${res.stdout}${res.stderr}`);
    return Number(m[2]);
  }

  linuxOnly(
    "untouched: from the larger of tcp_rmem's max and rmem_max; a smaller size set first lowers it",
    async () => {
      const rmem = Number(sysctl('net.ipv4.tcp_rmem')!.split(/\s+/)[2]);
      const space = Math.max(rmem, Number(sysctl('net.core.rmem_max')));
      const untouched = await offeredScale(undefined);
      expect(untouched).toBe(Math.min(14, Math.max(0, Math.floor(Math.log2(space)) - 15)));
      const small = await offeredScale(65536);
      expect(small).toBeLessThan(untouched);
      expect(small).toBe(1);
    },
  );
});
