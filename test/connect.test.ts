// connect(): client sockets whose descriptor has its sizes and options
// before connect(2). Oracles: `ss -tinm` (the kernel's window scale, MSS and
// socket memory for the connection, seen from both ends), Python reading the
// same descriptor, and plain net.connect doing the same thing side by side.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import {
  CONFIGURED_EVENT,
  connect,
  connectReports,
  createConnection,
  createTlsConnection,
  getBufferSizes,
  getOption,
  setBufferSizes,
  type ConnectAttemptReport,
} from '../lib';
import { hasAttemptEvent } from '../lib/connect';
import { resolveFd } from '../lib/resolve';
import {
  closeAll,
  codeOf,
  listeningServer,
  openFdCount,
  portOf,
  python,
  stuckListener,
  sysctl,
  tlsCert,
  tlsKey,
  track,
} from './helpers';

afterEach(closeAll);

interface SsInfo {
  sndWscale: number;
  rcvWscale: number;
  mss: number;
  rb: number;
  tb: number;
}

/** What `ss -tinm` says about the established connection from sport to dport. */
function ss(sport: number, dport: number): SsInfo {
  const res = spawnSync('ss', ['-tinmH', 'state', 'established', `( sport = :${sport} and dport = :${dport} )`], {
    encoding: 'utf8',
  });
  const out = res.stdout;
  const num = (re: RegExp): number => {
    const m = re.exec(out);
    if (m === null) throw new Error(`ss printed no ${re.source} for :${sport} -> :${dport}: ${JSON.stringify(out)}`);
    return Number(m[1]);
  };
  const ws = /wscale:(\d+),(\d+)/.exec(out);
  if (ws === null) throw new Error(`ss printed no wscale for :${sport} -> :${dport}: ${JSON.stringify(out)}`);
  return {
    sndWscale: Number(ws[1]),
    rcvWscale: Number(ws[2]),
    mss: num(/\bmss:(\d+)/),
    rb: num(/rb(\d+)/),
    tb: num(/tb(\d+)/),
  };
}

/**
 * The window scales Linux can pick in the SYN for a receive buffer the user
 * set (tcp_connect_init, tcp_select_initial_window): the window part of the
 * buffer ("full space") is half of it (tcp_adv_win_scale 1, or the initial
 * scaling ratio of newer kernels); SOCK_RCVBUF_LOCK makes that space the
 * window clamp, and the scale is chosen for min(max(space rounded down to a
 * multiple of the MSS, tcp_rmem[2], rmem_max), clamp). So it is exact while
 * the space is at most max(tcp_rmem[2], rmem_max), and within one MSS
 * (at most 64 KiB on loopback) of the space above that.
 */
function lockedWscales(effectiveRcvbuf: number): [number, number] {
  const scale = (space: number): number => Math.min(14, Math.max(0, Math.floor(Math.log2(Math.max(space, 1))) - 15));
  const space = Math.floor(effectiveRcvbuf / 2);
  if (space <= Math.max(rmem[2], rmemMax)) return [scale(space), scale(space)];
  return [scale(space - 65535), scale(space)];
}

async function connected(sock: net.Socket): Promise<void> {
  await once(sock, 'connect');
}

type SockError = NodeJS.ErrnoException & { address?: string; port?: number; errors?: SockError[] };

/** Every event name and error code a client socket emits until it closes. */
function recordEvents(sock: net.Socket): Promise<string[]> {
  const events: string[] = [];
  const names = ['connectionAttempt', 'connectionAttemptFailed', 'connectionAttemptTimeout', 'connect', 'timeout'];
  for (const name of names) {
    sock.on(name, (...args: unknown[]) =>
      events.push(name === 'connect' || name === 'timeout' ? name : `${name} ${String(args[0])}`),
    );
  }
  sock.on('error', (err: SockError) => {
    const inner = err.errors ? ` [${err.errors.map((e) => `${e.code} ${e.syscall} ${e.address}`).join(', ')}]` : '';
    events.push(`error ${err.name} ${err.code} ${err.syscall ?? ''} ${err.address ?? ''} ${err.port ?? ''}${inner}`);
  });
  sock.on('timeout', () => sock.destroy());
  // Not events.once(): it rejects on 'error', which is recorded instead.
  return new Promise((resolve) => sock.once('close', () => resolve(events)));
}

/** The socket descriptors of this process now (fd -> the socket's inode). */
function socketFds(): Set<string> {
  const out = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith('socket:')) out.add(`${fd} ${target}`);
    } catch {
      // closed while listing
    }
  }
  return out;
}

const rmem = (sysctl('net.ipv4.tcp_rmem') ?? '0 0 0').split(/\s+/).map(Number);
const rmemMax = Number(sysctl('net.core.rmem_max'));

describe('window scale and options before the SYN', () => {
  test('a forced receive buffer past tcp_rmem[2] and rmem_max sets the scale in the SYN; after connect it cannot', async () => {
    // 3x, not 2x: a power of two would sit right at a scale boundary, where
    // the MSS rounding decides.
    const big = 3 * Math.max(rmem[2], rmemMax);
    const server = await listeningServer((s) => track(s));
    const port = portOf(server);

    const before = track(connect({ host: '127.0.0.1', port, buffers: { recv: big, force: true } }));
    const reports: ConnectAttemptReport[] = [];
    before.on(CONFIGURED_EVENT, (r: ConnectAttemptReport) => reports.push(r));
    await connected(before);
    expect(reports).toHaveLength(1);
    expect(reports[0].buffers.recv?.forced).toBe(true);
    const effective = getBufferSizes(before).recv;
    expect(reports[0].buffers.recv?.effective).toBe(effective);
    expect(effective).toBe(2 * big);

    const after = track(net.connect(port, '127.0.0.1'));
    await connected(after);
    const late = setBufferSizes(after, { recv: big, force: true });
    expect(late.recv?.effective).toBe(effective);

    const b = ss(before.localPort!, port);
    const a = ss(after.localPort!, port);
    const [lo, hi] = lockedWscales(effective);
    expect(lo).toBe(hi);
    expect(b.rcvWscale).toBe(hi);
    expect(b.rcvWscale).toBeGreaterThan(a.rcvWscale);
    // The server's side of the same connection learnt that scale from the SYN.
    expect(ss(port, before.localPort!).sndWscale).toBe(b.rcvWscale);
    expect(ss(port, after.localPort!).sndWscale).toBe(a.rcvWscale);
  });

  test('a size below tcp_rmem[2] set before the handshake lowers the scale (the README caveat)', async () => {
    const server = await listeningServer((s) => track(s));
    const port = portOf(server);
    const small = track(connect({ host: '127.0.0.1', port, buffers: { recv: 64 * 1024 } }));
    const plain = track(net.connect(port, '127.0.0.1'));
    await Promise.all([connected(small), connected(plain)]);
    const s = ss(small.localPort!, port);
    const [lo, hi] = lockedWscales(getBufferSizes(small).recv);
    expect(lo).toBe(hi);
    expect(s.rcvWscale).toBe(hi);
    expect(s.rcvWscale).toBeLessThan(ss(plain.localPort!, port).rcvWscale);
  });

  test('TCP_MAXSEG from socketOptions is the MSS ss reports, and Python reads the sizes sockbuf reported', async () => {
    const server = await listeningServer((s) => track(s));
    const port = portOf(server);
    const sock = track(
      connect({
        host: '127.0.0.1',
        port,
        buffers: { recv: 300_000, send: 200_000 },
        socketOptions: { TCP_MAXSEG: 1000, TCP_NODELAY: true },
      }),
    );
    const plain = track(net.connect(port, '127.0.0.1'));
    await Promise.all([connected(sock), connected(plain)]);
    const [report] = connectReports(sock)!;
    expect(report.socketOptions).toEqual({ TCP_MAXSEG: 1000, TCP_NODELAY: true });
    const mine = ss(sock.localPort!, port);
    expect(mine.mss).toBeLessThanOrEqual(1000);
    expect(ss(plain.localPort!, port).mss).toBeGreaterThan(1000);
    // The server's end of the connection sends segments no larger than that.
    expect(ss(port, sock.localPort!).mss).toBeLessThanOrEqual(1000);
    const py = python<number[]>(
      resolveFd(sock),
      'out([sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF), sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF), sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)])',
    );
    expect(py[0]).toBe(report.buffers.recv!.effective);
    expect(py[1]).toBe(report.buffers.send!.effective);
    expect(py[2]).toBe(getOption(sock, 'TCP_MAXSEG'));
    expect(py[2]).toBeLessThanOrEqual(1000);
    expect(mine.rb).toBe(report.buffers.recv!.effective);
    expect(mine.tb).toBe(report.buffers.send!.effective);
  });
});

describe('behaves like net.connect', () => {
  const sizes = { recv: 250_000, send: 180_000 };

  test('data both ways, piping, setNoDelay/setKeepAlive, and events in the same order', async () => {
    const server = await listeningServer((s) => {
      track(s);
      s.pipe(s); // echo
    });
    const port = portOf(server);
    const payload = Buffer.alloc(3 << 20, 7);
    const run = async (sock: net.Socket): Promise<{ echoed: number; events: string[] }> => {
      const events = recordEvents(sock);
      sock.setNoDelay(true);
      sock.setKeepAlive(true, 1000);
      let echoed = 0;
      sock.on('data', (d: Buffer) => {
        echoed += d.length;
        if (echoed === payload.length) sock.end();
      });
      await connected(sock);
      expect(getOption(sock, 'TCP_NODELAY')).toBe(true);
      expect(getOption(sock, 'SO_KEEPALIVE')).toBe(true);
      const { Readable } = await import('node:stream');
      Readable.from([payload]).pipe(sock, { end: false });
      return { echoed: await events.then(() => echoed), events: await events };
    };
    const mine = await run(track(connect({ host: '127.0.0.1', port, buffers: sizes })));
    const theirs = await run(track(net.connect({ host: '127.0.0.1', port })));
    expect(mine).toEqual(theirs);
    expect(mine.echoed).toBe(payload.length);
  });

  test.each([
    ['::1 first', ['::1', '127.0.0.1']],
    ['127.0.0.1 first', ['127.0.0.1', '::1']],
  ])(
    'a name with both families under autoSelectFamily (%s), listener on one family: every attempt sized',
    async (_label, order) => {
      for (const listenOn of ['127.0.0.1', '::1']) {
        const server = track(net.createServer((s) => track(s)));
        server.listen(0, listenOn);
        await once(server, 'listening');
        const port = portOf(server);
        const lookup = (
          _host: string,
          _opts: unknown,
          cb: (err: null, addresses: { address: string; family: number }[]) => void,
        ): void =>
          cb(
            null,
            order.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
          );
        const opts = { host: 'dual.test', port, lookup, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 5000 };
        const mine = track(connect({ ...opts, buffers: sizes }));
        const reports: ConnectAttemptReport[] = [];
        mine.on(CONFIGURED_EVENT, (r: ConnectAttemptReport) => reports.push(r));
        const mineEvents = recordEvents(mine);
        const theirs = track(net.connect(opts as net.NetConnectOpts));
        const theirEvents = recordEvents(theirs);
        await Promise.all([connected(mine), connected(theirs)]);
        expect(mine.remoteAddress).toBe(listenOn);
        const tried = listenOn === order[0] ? 1 : 2;
        expect(reports.map((r) => r.address)).toEqual(order.slice(0, tried));
        expect(reports.map((r) => r.family)).toEqual(order.slice(0, tried).map((a) => (a.includes(':') ? 6 : 4)));
        for (const r of reports) {
          expect(r.buffers.recv!.effective).toBe(2 * sizes.recv);
          expect(r.buffers.send!.effective).toBe(2 * sizes.send);
        }
        expect(connectReports(mine)).toEqual(reports);
        // The descriptor that connected is the last one configured.
        expect(resolveFd(mine)).toBe(reports[reports.length - 1].fd);
        expect(getBufferSizes(mine)).toEqual({ recv: 2 * sizes.recv, send: 2 * sizes.send });
        const k = ss(mine.localPort!, port);
        expect([k.rb, k.tb]).toEqual([2 * sizes.recv, 2 * sizes.send]);
        mine.destroy();
        theirs.destroy();
        expect(await mineEvents).toEqual(await theirEvents);
        server.close();
      }
    },
  );

  test('an unreachable port: ECONNREFUSED as an error event, single and multi-address, like net.connect', async () => {
    const server = await listeningServer();
    const port = portOf(server);
    await new Promise((r) => server.close(r));
    const lookup = (_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void): void =>
      cb(null, [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ]);
    for (const opts of [
      { host: '127.0.0.1', port },
      { host: 'dual.test', port, lookup, autoSelectFamily: true },
    ]) {
      const mine = recordEvents(connect({ ...opts, buffers: sizes }));
      const theirs = recordEvents(net.connect(opts as net.NetConnectOpts));
      const m = await mine;
      expect(m).toEqual(await theirs);
      expect(m.join('\n')).toMatch(/ECONNREFUSED/);
    }
  });

  test('timeout: the same timeout event as net.connect while the SYN gets no answer', async () => {
    const stuck = await stuckListener();
    try {
      const opts = { host: '127.0.0.1', port: stuck.port, timeout: 300 };
      const mine = recordEvents(connect({ ...opts, buffers: sizes }));
      const theirs = recordEvents(net.connect(opts));
      const m = await mine;
      expect(m).toEqual(await theirs);
      expect(m).toContain('timeout');
      expect(m).not.toContain('connect');
    } finally {
      stuck.stop();
    }
  });

  test('AbortSignal: aborted before and during the connection, like net.connect', async () => {
    const server = await listeningServer((s) => track(s));
    const port = portOf(server);
    const stuck = await stuckListener();
    try {
      for (const when of ['before', 'during'] as const) {
        const results: string[][] = [];
        for (const make of [
          (o: net.NetConnectOpts) => connect({ ...o, buffers: sizes } as never),
          (o: net.NetConnectOpts) => net.connect(o),
        ]) {
          const ac = new AbortController();
          if (when === 'before') ac.abort();
          const sock = make({ host: '127.0.0.1', port: when === 'before' ? port : stuck.port, signal: ac.signal });
          const events = recordEvents(sock);
          if (when === 'during') setTimeout(() => ac.abort(), 50);
          results.push(await events);
        }
        expect(results[0]).toEqual(results[1]);
        expect(results[0].join('\n')).toMatch(/AbortError ABORT_ERR/);
      }
    } finally {
      stuck.stop();
    }
  });

  test('tls.connect({ socket }) over it, and a Unix socket path', async () => {
    const server = track(
      tls.createServer({ key: tlsKey, cert: tlsCert }, (s) => {
        s.on('error', () => {});
        s.end('over tls');
      }),
    );
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const raw = connect({ host: '127.0.0.1', port: portOf(server), buffers: sizes });
    const secure = track(tls.connect({ socket: raw, rejectUnauthorized: false }));
    let text = '';
    secure.on('data', (d: Buffer) => (text += d.toString()));
    await once(secure, 'end');
    expect(text).toBe('over tls');
    expect(connectReports(raw)![0].buffers.recv!.effective).toBe(2 * sizes.recv);

    const dir = mkdtempSync(path.join(os.tmpdir(), 'sockbuf-connect-'));
    try {
      const file = path.join(dir, 's.sock');
      const unix = track(net.createServer((s) => s.end('unix')));
      unix.listen(file);
      await once(unix, 'listening');
      const sock = track(connect({ path: file, buffers: { send: 300_000 } }));
      const reports: ConnectAttemptReport[] = [];
      sock.on(CONFIGURED_EVENT, (r: ConnectAttemptReport) => reports.push(r));
      await connected(sock);
      expect(reports).toEqual([expect.objectContaining({ family: 0, address: file, port: undefined })]);
      expect(getBufferSizes(sock).send).toBe(600_000);
      expect(python<number>(resolveFd(sock), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF))')).toBe(
        600_000,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('errors', () => {
  test.each([
    ['20.0.0', false],
    ['20.11.1', false],
    ['20.12.0', true],
    ['21.5.0', false],
    ['21.6.0', true],
    ['22.0.0', true],
    ['26.1.0', true],
  ])('Node %s emits connectionAttempt: %s (older ones get ERR_FEATURE_UNAVAILABLE_ON_PLATFORM)', (v, expected) => {
    expect(hasAttemptEvent(v)).toBe(expected);
  });

  test('bad input throws coded errors before any descriptor exists', () => {
    const fds = openFdCount();
    const base = { host: '127.0.0.1', port: 9 };
    expect(codeOf(() => connect({ ...base, buffers: { recv: -1 } }))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => connect({ ...base, buffers: { recv: 1.5 } }))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => connect({ ...base, buffers: { force: 1 } as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => connect({ ...base, buffers: 5 } as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => connect({ ...base, socketOptions: { NOT_AN_OPTION: 1 } } as never))).toBe(
      'ERR_INVALID_ARG_VALUE',
    );
    expect(codeOf(() => connect({ ...base, socketOptions: { TCP_MAXSEG: '1000' } } as never))).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
    expect(codeOf(() => connect({ ...base, socketOptions: { SO_ERROR: 0 } } as never))).toBe('ERR_INVALID_ARG_VALUE');
    expect(codeOf(() => connect({ ...base, socketOptions: { IP_RECVERR: true } }))).toBe('ERR_SOCKBUF_UNSAFE_OPTION');
    expect(codeOf(() => connect(null as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => connect(base, 'cb' as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(openFdCount()).toBe(fds);
  });

  test('a connection whose descriptor was not configured is closed with a coded error, never kept', async () => {
    const server = await listeningServer((s) => track(s));
    const sock = connect({ host: '127.0.0.1', port: portOf(server), buffers: { recv: 100_000 } });
    // As on a runtime that emits no 'connectionAttempt': remove sockbuf's listener.
    const [ours] = sock.listeners('connectionAttempt');
    sock.removeListener('connectionAttempt', ours as () => void);
    const events = await recordEvents(sock);
    expect(events).toEqual([
      'connectionAttempt 127.0.0.1',
      'connect',
      expect.stringMatching(/^error Error ERR_FEATURE_UNAVAILABLE_ON_PLATFORM/),
    ]);
  });

  test('SO_LINGER with a timeout is refused, without one it is set', async () => {
    const base = { host: '127.0.0.1', port: 9 };
    expect(codeOf(() => connect({ ...base, socketOptions: { SO_LINGER: { enabled: true, seconds: 5 } } }))).toBe(
      'ERR_SOCKBUF_UNSAFE_OPTION',
    );
    const server = await listeningServer((s) => track(s));
    const sock = track(
      connect({ host: '127.0.0.1', port: portOf(server), socketOptions: { SO_LINGER: { enabled: true, seconds: 0 } } }),
    );
    await connected(sock);
    expect(getOption(sock, 'SO_LINGER')).toEqual({ enabled: true, seconds: 0 });
    expect(connectReports(sock)![0].socketOptions.SO_LINGER).toEqual({ enabled: true, seconds: 0 });
  });

  test('each property of the options is read once', () => {
    const reads: string[] = [];
    const buffers = new Proxy(
      { recv: 100_000 },
      {
        get(t, k) {
          reads.push(String(k));
          return Reflect.get(t, k);
        },
      },
    );
    const sock = track(connect({ host: '127.0.0.1', port: 9, buffers }));
    sock.destroy();
    expect(reads.sort()).toEqual(['force', 'recv', 'send']);
  });

  test("each of the options object's own properties is read once, and Node gets all but sockbuf's two", () => {
    const reads: string[] = [];
    const given = { host: '127.0.0.1', port: 9, buffers: { recv: 100_000 }, socketOptions: {}, keepAlive: true };
    const options = new Proxy(given, {
      get(t, k) {
        reads.push(String(k));
        return Reflect.get(t, k);
      },
    });
    const seen: Record<string, unknown>[] = [];
    const original = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
      seen.push({ ...(args[0] as object) });
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof original;
    try {
      track(connect(options as never)).destroy();
    } finally {
      net.Socket.prototype.connect = original;
    }
    expect(reads.sort()).toEqual(['buffers', 'host', 'keepAlive', 'port', 'socketOptions']);
    expect(seen).toEqual([{ host: '127.0.0.1', port: 9, keepAlive: true }]);
    expect(seen[0].buffers).toBeUndefined();
    expect(seen[0].socketOptions).toBeUndefined();
  });

  test('an own getter is run once on an ordinary (fast-properties) options object too', () => {
    // A Proxy takes V8's generic path; a plain object with a getter takes its
    // fast one, where Node 20 and 22 run a getter a rest pattern excludes twice.
    for (const make of [connect, createConnection, createTlsConnection] as ((o: object) => net.Socket)[]) {
      let reads = 0;
      const options = { host: '127.0.0.1', port: 9 };
      Object.defineProperty(options, 'buffers', {
        enumerable: true,
        get() {
          reads++;
          return { recv: 100_000 };
        },
      });
      const sock = track(make(options));
      sock.on('error', () => {});
      sock.destroy();
      expect(reads).toBe(1);
    }
  });

  test('inherited and non-enumerable buffers are not options, as for every other key (a copy of own enumerable keys)', () => {
    const inherited = Object.assign(Object.create({ buffers: { recv: 'bad' } }) as object, {
      host: '127.0.0.1',
      port: 9,
    });
    const hidden = Object.defineProperty({ host: '127.0.0.1', port: 9 }, 'buffers', { value: { recv: 'bad' } });
    for (const options of [inherited, hidden]) {
      // Read as sockbuf's, { recv: 'bad' } would throw ERR_INVALID_ARG_TYPE.
      const sock = track(connect(options as never));
      sock.on('error', () => {});
      sock.destroy();
    }
  });

  test('the options Node reads keep fast properties (no dictionary-mode copy)', () => {
    // net.Socket and socket.connect read dozens of options: from a
    // dictionary-mode object (as a copy with keys deleted is) each of those
    // reads is an uncached lookup. Checked with V8's own %HasFastProperties.
    const dist = path.join(__dirname, '..', 'dist');
    const script = `
      const net = require('node:net');
      const s = require(${JSON.stringify(dist)});
      const fast = [];
      const connect = net.Socket.prototype.connect;
      net.Socket.prototype.connect = function (options, ...rest) {
        if (options !== null && typeof options === 'object' && !Array.isArray(options)) fast.push(%HasFastProperties(options));
        return connect.call(this, options, ...rest);
      };
      const opts = { host: '127.0.0.1', port: 9, buffers: { recv: 100000 }, socketOptions: { TCP_NODELAY: true } };
      s.connect(opts).on('error', () => {}).destroy();
      s.createConnection({ ...opts, keepAlive: true }).on('error', () => {}).destroy();
      console.log(JSON.stringify(fast));`;
    const res = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', script], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    const fast = JSON.parse(res.stdout) as boolean[];
    expect(fast.length).toBeGreaterThanOrEqual(2);
    expect(fast.every((x) => x)).toBe(true);
  });

  test('a setting the kernel refuses destroys the socket with that error; nothing connects', async () => {
    let accepted = 0;
    const server = await listeningServer((s) => {
      accepted++;
      track(s);
    });
    const port = portOf(server);
    const refPort = portOf(await listeningServer((s) => track(s)));
    const lookup = (_h: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void): void =>
      void setImmediate(() =>
        cb(null, [
          { address: '::1', family: 6 },
          { address: '127.0.0.1', family: 4 },
        ]),
      );
    for (const opts of [
      { host: '127.0.0.1', port },
      { host: 'dual.test', port, lookup, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 50 },
    ]) {
      const before = socketFds();
      const sock = connect({ ...opts, buffers: { recv: 100_000 }, socketOptions: { TCP_CONGESTION: 'no-such-cc' } });
      const events = await recordEvents(sock);
      const leaked = [...socketFds()].filter((fd) => !before.has(fd));
      // The reference: net.connect destroyed at the same moment, in the tick after its attempt.
      // (to another listener: its SYN is sent, and it is accepted)
      const plain = net.connect({ ...opts, port: refPort } as net.NetConnectOpts);
      plain.on('connectionAttempt', () => process.nextTick(() => plain.destroy(new Error('x'))));
      const reference = await recordEvents(plain);
      // Past the attempt timeout: nothing more arrives (no stray attempt timer).
      await new Promise((r) => setTimeout(r, 200));
      expect(events.filter((x) => x.startsWith('error'))).toEqual([
        expect.stringMatching(/^error Error ENOENT setsockopt/),
      ]);
      expect(events.map((x) => (x.startsWith('error') ? 'error' : x))).toEqual(
        reference.map((x) => (x.startsWith('error') ? 'error' : x)),
      );
      expect(events).not.toContain('connect');
      expect(leaked).toEqual([]);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(accepted).toBe(0);
  });
});
