// Buffer-size reports on real sockets: what was asked, what the kernel
// granted, and why, checked against Python, ss and sysctl.
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  constants as c,
  getBufferSizes,
  getRecvBufferSize,
  getSendBufferSize,
  getsockopt,
  setBufferSizes,
  setRecvBufferSize,
  setSendBufferSize,
} from '../lib';
import { resolveFd } from '../lib/resolve';
import { UNIX_RECV_NOTE } from '../lib/sizes';
import { boundUdp, closeAll, codeOf, python, sysctl, tcpPair, track } from './helpers';

afterEach(closeAll);

const dist = path.join(__dirname, '..', 'dist');
const rmemMax = Number(sysctl('net.core.rmem_max'));
const wmemMax = Number(sysctl('net.core.wmem_max'));

/** Whether this process holds CAP_NET_ADMIN (bit 12 of CapEff). */
function hasNetAdmin(): boolean {
  const line = readFileSync('/proc/self/status', 'utf8').match(/^CapEff:\s*([0-9a-f]+)$/m);
  return line !== null && (BigInt(`0x${line[1]}`) & (1n << 12n)) !== 0n;
}

/** What Python's classic recipe yields for the same request on its own socket. */
function pythonRecipe(type: 'SOCK_DGRAM' | 'SOCK_STREAM', option: 'SO_RCVBUF' | 'SO_SNDBUF', bytes: number): number {
  return python<number>(
    null,
    `s = socket.socket(socket.AF_INET, socket.${type})
s.setsockopt(socket.SOL_SOCKET, socket.${option}, ${bytes})
out(s.getsockopt(socket.SOL_SOCKET, socket.${option}))`,
  );
}

test('the limits the tests rely on are readable', () => {
  expect(rmemMax).toBeGreaterThan(0);
  expect(wmemMax).toBeGreaterThan(0);
});

describe('under the cap', () => {
  test('UDP receive: effective = 2x requested, not clamped, limit = rmem_max', async () => {
    const sock = await boundUdp();
    const requested = Math.floor(rmemMax / 4);
    const report = setRecvBufferSize(sock, requested);
    expect(report).toEqual({
      requested,
      granted: requested,
      effective: 2 * requested,
      clamped: false,
      limit: rmemMax,
      forced: false,
    });
    // An independent reader of the same socket sees the same number...
    expect(python<number>(resolveFd(sock), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))')).toBe(
      report.effective,
    );
    // ...and so does Node's own dgram getter...
    expect(sock.getRecvBufferSize()).toBe(report.effective);
    // ...and Python's setsockopt/getsockopt recipe gets the same for the same request.
    expect(pythonRecipe('SOCK_DGRAM', 'SO_RCVBUF', requested)).toBe(report.effective);
  });

  test('TCP send: effective = 2x requested, limit = wmem_max', async () => {
    const { client } = await tcpPair();
    const requested = Math.floor(wmemMax / 2);
    const report = setSendBufferSize(client, requested);
    expect(report).toEqual({
      requested,
      granted: requested,
      effective: 2 * requested,
      clamped: false,
      limit: wmemMax,
      forced: false,
    });
    expect(pythonRecipe('SOCK_STREAM', 'SO_SNDBUF', requested)).toBe(report.effective);
    expect(getSendBufferSize(client)).toBe(report.effective);
  });

  test('a tiny request is raised to the kernel minimum, which is not a clamp', async () => {
    const sock = await boundUdp();
    const report = setRecvBufferSize(sock, 1);
    expect(report.effective).toBeGreaterThan(2);
    expect(report.clamped).toBe(false);
    expect(report.effective).toBe(pythonRecipe('SOCK_DGRAM', 'SO_RCVBUF', 1));
  });
});

describe('over the cap', () => {
  test('effective = 2x rmem_max, clamped, limit = rmem_max', async () => {
    const sock = await boundUdp();
    const requested = rmemMax * 4;
    const report = setRecvBufferSize(sock, requested);
    expect(report).toEqual({
      requested,
      granted: rmemMax,
      effective: 2 * rmemMax,
      clamped: true,
      limit: rmemMax,
      forced: false,
    });
    expect(python<number>(resolveFd(sock), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))')).toBe(
      report.effective,
    );
    expect(pythonRecipe('SOCK_DGRAM', 'SO_RCVBUF', requested)).toBe(report.effective);
  });

  test('send over wmem_max on TCP: clamped to 2x wmem_max', async () => {
    const { accepted } = await tcpPair();
    const report = setSendBufferSize(accepted, wmemMax + 4096);
    expect(report.effective).toBe(2 * wmemMax);
    expect(report.clamped).toBe(true);
    expect(report.limit).toBe(wmemMax);
  });

  test('force with CAP_NET_ADMIN goes past the cap', async () => {
    expect(hasNetAdmin()).toBe(true); // CI runs as root; the unprivileged path is the next test.
    const sock = await boundUdp();
    const requested = rmemMax * 2;
    const report = setRecvBufferSize(sock, requested, { force: true });
    expect(report).toEqual({
      requested,
      granted: requested,
      effective: 2 * requested,
      clamped: false,
      limit: rmemMax,
      forced: true,
    });
    expect(python<number>(resolveFd(sock), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))')).toBe(
      2 * requested,
    );
    const both = setBufferSizes(sock, { recv: rmemMax * 3, send: wmemMax * 3, force: true });
    expect(both.recv).toMatchObject({ effective: 6 * rmemMax, forced: true, clamped: false });
    expect(both.send).toMatchObject({ effective: 6 * wmemMax, forced: true, clamped: false });
  });

  test('force without CAP_NET_ADMIN reports the clamp and does not throw', () => {
    const script = `
      const s = require(${JSON.stringify(dist)});
      const dgram = require('node:dgram');
      const u = dgram.createSocket('udp4');
      u.bind(0, '127.0.0.1', () => {
        let direct = 'none';
        try { s.setsockopt(u, s.constants.SOL_SOCKET, s.constants.SO_RCVBUFFORCE, 1 << 20); } catch (e) { direct = e.code; }
        const report = s.setRecvBufferSize(u, ${rmemMax * 2}, { force: true });
        console.log(JSON.stringify({ direct, report }));
        u.close();
      });`;
    const res = spawnSync(
      'setpriv',
      ['--bounding-set=-net_admin', '--inh-caps=-net_admin', process.execPath, '-e', script],
      { encoding: 'utf8' },
    );
    expect(res.stderr).toBe('');
    const { direct, report } = JSON.parse(res.stdout);
    // The capability really is gone: the FORCE option itself is refused...
    expect(direct).toBe('EPERM');
    // ...and sockbuf falls back to SO_RCVBUF and says what happened.
    expect(report).toEqual({
      requested: rmemMax * 2,
      granted: rmemMax,
      effective: 2 * rmemMax,
      clamped: true,
      limit: rmemMax,
      forced: false,
    });
  });

  test('requests past INT_MAX / 2 are clamped by the kernel so that the double fits', async () => {
    const sock = await boundUdp();
    const report = setRecvBufferSize(sock, 0x7fffffff, { force: true });
    expect(report.forced).toBe(true);
    expect(report.clamped).toBe(true);
    expect(report.effective).toBe(getRecvBufferSize(sock));
  });
});

describe('granted: the size in the units of the request', () => {
  test('granted = what Python reads back / 2 on Linux, and clamped is granted < requested', async () => {
    const sock = await boundUdp();
    for (const requested of [1, 4096, Math.floor(rmemMax / 3), rmemMax, rmemMax + 1, rmemMax * 2]) {
      const report = setRecvBufferSize(sock, requested);
      const seen = python<number>(resolveFd(sock), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))');
      expect(report.effective).toBe(seen);
      expect(report.granted).toBe(process.platform === 'linux' ? seen / 2 : seen);
      expect(report.clamped).toBe(report.granted < requested);
    }
  });
});

describe('0 means the kernel minimum', () => {
  // Node's dgram setRecvBufferSize(0) changes nothing: libuv reads a 0 size
  // as "tell me the current size". sockbuf passes 0 to the kernel, which
  // raises it to its floor, exactly as it does for 1: the smallest buffer.
  test('setRecvBufferSize(sock, 0) sets the floor, as Python’s setsockopt(0) does; Node’s setter leaves it unchanged', async () => {
    const sock = await boundUdp();
    const before = sock.getRecvBufferSize();
    sock.setRecvBufferSize(0);
    expect(getRecvBufferSize(sock)).toBe(before);
    const recv = setRecvBufferSize(sock, 0);
    const send = setSendBufferSize(sock, 0);
    expect(recv.effective).toBe(pythonRecipe('SOCK_DGRAM', 'SO_RCVBUF', 0));
    expect(send.effective).toBe(pythonRecipe('SOCK_DGRAM', 'SO_SNDBUF', 0));
    expect(recv.effective).toBe(pythonRecipe('SOCK_DGRAM', 'SO_RCVBUF', 1));
    expect(recv.effective).toBeLessThan(before);
    expect(recv).toMatchObject({ requested: 0, clamped: false });
    const { client } = await tcpPair();
    expect(setBufferSizes(client, { recv: 0, send: 0 })).toMatchObject({
      recv: { requested: 0, effective: recv.effective, clamped: false },
      send: { requested: 0, effective: send.effective, clamped: false },
    });
  });
});

describe('Unix domain sockets: the receive buffer does not bound the queue', () => {
  async function unixPair(): Promise<{ client: net.Socket; accepted: net.Socket }> {
    const dir = mkdtempSync(path.join(tmpdir(), 'sockbuf-unix-'));
    // pauseOnConnect: Node never reads the accepted socket, so data stays in the kernel.
    const server = track(net.createServer({ pauseOnConnect: true }));
    server.listen(path.join(dir, 's'));
    await once(server, 'listening');
    const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
    const client = track(net.connect(path.join(dir, 's')));
    await once(client, 'connect');
    const [accepted] = await acceptedP;
    track(accepted);
    rmSync(dir, { recursive: true, force: true });
    return { client, accepted };
  }

  /** Bytes waiting in the socket's receive queue, as Python's FIONREAD ioctl reads them. */
  function queued(fd: number): number {
    return python<number>(
      fd,
      `import fcntl, termios
out(struct.unpack('i', fcntl.ioctl(3, termios.FIONREAD, b'\\0' * 4))[0])`,
    );
  }

  async function fill(client: net.Socket, fd: number): Promise<number> {
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < 8; i++) client.write(chunk);
    // Wait until the kernel stops taking more (bounded: a busy machine is slow, never wrong).
    let last = -1;
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const now = queued(fd);
      if (now === last && now > 0) return now;
      last = now;
    }
    return last;
  }

  test('a receive-buffer set says so in its report; the sender’s send buffer is what bounds the queue', async () => {
    const { client, accepted } = await unixPair();
    const fd = resolveFd(accepted);
    const report = setRecvBufferSize(accepted, 4096);
    expect(report.note).toBe(UNIX_RECV_NOTE);
    // The same through a bare descriptor number (sockbuf asks the kernel for SO_DOMAIN).
    expect(setRecvBufferSize(fd, 4096).note).toBe(UNIX_RECV_NOTE);
    expect(setBufferSizes(accepted, { recv: 4096 }).recv?.note).toBe(UNIX_RECV_NOTE);
    // The send direction bounds the queue: no note.
    const send = setSendBufferSize(client, 32768);
    expect(send.note).toBeUndefined();
    const inQueue = await fill(client, fd);
    // The kernel queued far more than the receiver's buffer ...
    expect(inQueue).toBeGreaterThan(4 * report.effective);
    // ... and no more than the sender's (data is charged to the sender's SO_SNDBUF).
    expect(inQueue).toBeLessThanOrEqual(send.effective);
    expect(inQueue).toBeGreaterThan(send.effective / 4);
  });

  test('TCP and UDP reports carry no note', async () => {
    const { client } = await tcpPair();
    const udp = await boundUdp();
    expect('note' in setRecvBufferSize(client, 65536)).toBe(false);
    expect('note' in setRecvBufferSize(resolveFd(client), 65536)).toBe(false);
    expect('note' in setRecvBufferSize(udp, 65536)).toBe(false);
    expect('note' in (setBufferSizes(udp, { recv: 65536 }).recv as object)).toBe(false);
  });
});

describe('reading sizes', () => {
  test('getBufferSizes equals getsockopt and what ss -m reports for the socket', async () => {
    const { client, server } = await tcpPair();
    setBufferSizes(client, { recv: 123456, send: 65432 });
    const sizes = getBufferSizes(client);
    expect(sizes).toEqual({
      recv: getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF),
      send: getsockopt(client, c.SOL_SOCKET, c.SO_SNDBUF),
    });
    expect(sizes).toEqual({ recv: 246912, send: 130864 });
    const port = client.localPort;
    const ss = spawnSync('ss', ['-tmnH', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
    const skmem = ss.stdout.match(/skmem:\(([^)]*)\)/);
    expect(skmem).not.toBeNull();
    const fields = Object.fromEntries(
      (skmem as RegExpMatchArray)[1].split(',').map((f) => [f.replace(/\d+$/, ''), Number(f.match(/\d+$/)?.[0])]),
    );
    expect(fields.rb).toBe(sizes.recv);
    expect(fields.tb).toBe(sizes.send);
    expect(server.listening).toBe(true);
  });

  test('getRecvBufferSize on a dgram socket equals Node’s own getter', async () => {
    const sock = await boundUdp();
    expect(getRecvBufferSize(sock)).toBe(sock.getRecvBufferSize());
    expect(getSendBufferSize(sock)).toBe(sock.getSendBufferSize());
  });
});

describe('bad input', () => {
  test.each([
    ['negative', -1, 'ERR_OUT_OF_RANGE'],
    ['fractional', 1.5, 'ERR_OUT_OF_RANGE'],
    ['past INT_MAX', 2 ** 31, 'ERR_OUT_OF_RANGE'],
    ['NaN', NaN, 'ERR_OUT_OF_RANGE'],
    ['a string', '65536', 'ERR_INVALID_ARG_TYPE'],
    ['a bigint', 65536n, 'ERR_INVALID_ARG_TYPE'],
    ['null', null, 'ERR_INVALID_ARG_TYPE'],
  ])('size %s → %s, and nothing is changed', async (_label, value, expected) => {
    const sock = await boundUdp();
    const before = getBufferSizes(sock);
    expect(codeOf(() => setRecvBufferSize(sock, value as never))).toBe(expected);
    expect(codeOf(() => setSendBufferSize(sock, value as never))).toBe(expected);
    expect(codeOf(() => setBufferSizes(sock, { recv: 65536, send: value as never }))).toBe(expected);
    // The valid recv was not applied when send was invalid.
    expect(getBufferSizes(sock)).toEqual(before);
  });

  test('options must be an object and force a boolean', async () => {
    const sock = await boundUdp();
    expect(codeOf(() => setBufferSizes(sock, undefined as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => setBufferSizes(sock, 5 as never))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => setRecvBufferSize(sock, 4096, { force: 'yes' as never }))).toBe('ERR_INVALID_ARG_TYPE');
    expect(codeOf(() => setRecvBufferSize(sock, 4096, 'force' as never))).toBe('ERR_INVALID_ARG_TYPE');
  });
});

test('NODE_DEBUG=sockbuf logs every set: requested, granted, effective, limit, forced', () => {
  const script = `
    const s = require(${JSON.stringify(dist)});
    const u = require('node:dgram').createSocket('udp4');
    u.bind(0, '127.0.0.1', () => { s.setRecvBufferSize(u, 100000); s.setSendBufferSize(u, ${wmemMax * 4}); u.close(); });`;
  const res = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NODE_DEBUG: 'sockbuf' },
  });
  expect(res.status).toBe(0);
  expect(res.stderr).toMatch(
    new RegExp(
      `SOCKBUF \\d+: set recv buffer on fd \\d+: requested 100000, granted 100000, effective 200000, limit ${rmemMax}, forced false\\n`,
    ),
  );
  expect(res.stderr).toMatch(
    new RegExp(
      `set send buffer on fd \\d+: requested ${wmemMax * 4}, granted ${wmemMax}, effective ${2 * wmemMax}, limit ${wmemMax}, forced false \\(clamped\\)`,
    ),
  );
});
