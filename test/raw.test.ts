// getsockopt/setsockopt on real loopback sockets, checked against Python's
// socket module reading the same descriptor and against Node's own setters.
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import * as net from 'node:net';
import { constants as c, getsockopt, setsockopt } from '../lib';
import { resolveFd } from '../lib/resolve';
import { boundUdp, closeAll, python, tcpPair, tlsPair } from './helpers';

afterEach(closeAll);

function pyGetInt(fd: number, level: number, option: number): number {
  return python<number>(fd, `out(sock.getsockopt(${level}, ${option}))`);
}

describe('int options', () => {
  test('TCP client, accepted socket and server: set through sockbuf, read by Python', async () => {
    const { server, client, accepted } = await tcpPair();
    const cases: [net.Socket | net.Server, number][] = [
      [client, 7],
      [accepted, 11],
      [server, 13],
    ];
    for (const [sock, ttl] of cases) {
      setsockopt(sock, c.IPPROTO_IP, c.IP_TTL, ttl);
      expect(getsockopt(sock, c.IPPROTO_IP, c.IP_TTL)).toBe(ttl);
      expect(pyGetInt(resolveFd(sock), c.IPPROTO_IP, c.IP_TTL)).toBe(ttl);
    }
  });

  test('values Python sets are what sockbuf reads', async () => {
    const { client } = await tcpPair();
    const fd = resolveFd(client);
    python(fd, `sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 321); out(0)`);
    expect(getsockopt(client, c.IPPROTO_TCP, c.TCP_KEEPIDLE!)).toBe(321);
    python(fd, `sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 17); out(0)`);
    expect(getsockopt(fd, c.IPPROTO_TCP, c.TCP_KEEPINTVL)).toBe(17);
    expect(getsockopt({ fd }, c.IPPROTO_TCP, c.TCP_KEEPINTVL)).toBe(17);
  });

  test('booleans: true/false become 1/0', async () => {
    const { client } = await tcpPair();
    setsockopt(client, c.SOL_SOCKET, c.SO_KEEPALIVE, true);
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_KEEPALIVE)).toBe(1);
    expect(pyGetInt(resolveFd(client), c.SOL_SOCKET, c.SO_KEEPALIVE)).toBe(1);
    setsockopt(client, c.SOL_SOCKET, c.SO_KEEPALIVE, false);
    expect(pyGetInt(resolveFd(client), c.SOL_SOCKET, c.SO_KEEPALIVE)).toBe(0);
  });

  test("Node's setNoDelay and setKeepAlive are visible through getsockopt", async () => {
    const { client } = await tcpPair();
    client.setNoDelay(true);
    expect(getsockopt(client, c.IPPROTO_TCP, c.TCP_NODELAY)).toBe(1);
    client.setNoDelay(false);
    expect(getsockopt(client, c.IPPROTO_TCP, c.TCP_NODELAY)).toBe(0);
    client.setKeepAlive(true, 42_000);
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_KEEPALIVE)).toBe(1);
    expect(getsockopt(client, c.IPPROTO_TCP, c.TCP_KEEPIDLE!)).toBe(42);
    client.setKeepAlive(false);
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_KEEPALIVE)).toBe(0);
  });

  test("UDP: Node's dgram setters and sockbuf agree, both ways", async () => {
    const sock = await boundUdp();
    sock.setTTL(33);
    expect(getsockopt(sock, c.IPPROTO_IP, c.IP_TTL)).toBe(33);
    sock.setBroadcast(true);
    expect(getsockopt(sock, c.SOL_SOCKET, c.SO_BROADCAST)).toBe(1);
    setsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF, 65536);
    expect(sock.getRecvBufferSize()).toBe(getsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF));
    expect(pyGetInt(resolveFd(sock), c.SOL_SOCKET, c.SO_RCVBUF)).toBe(sock.getRecvBufferSize());
  });

  test('UDP over IPv6: IPV6_UNICAST_HOPS and IPV6_V6ONLY', async () => {
    const sock = await boundUdp('udp6');
    setsockopt(sock, c.IPPROTO_IPV6, c.IPV6_UNICAST_HOPS, 9);
    expect(pyGetInt(resolveFd(sock), c.IPPROTO_IPV6, c.IPV6_UNICAST_HOPS)).toBe(9);
    expect(getsockopt(sock, c.IPPROTO_IPV6, c.IPV6_V6ONLY)).toBe(
      pyGetInt(resolveFd(sock), c.IPPROTO_IPV6, c.IPV6_V6ONLY),
    );
  });

  test('TLS sockets and servers resolve to the underlying TCP socket', async () => {
    const { server, client, accepted } = await tlsPair();
    for (const sock of [client, accepted, server] as (net.Socket | net.Server)[]) {
      setsockopt(sock, c.IPPROTO_IP, c.IP_TOS, 0x10);
      expect(pyGetInt(resolveFd(sock), c.IPPROTO_IP, c.IP_TOS)).toBe(0x10);
    }
    // The TLS socket's descriptor is the TCP connection's: Python sees it as one.
    const info = python<[number, number]>(resolveFd(client), 'out([sock.type, sock.family])');
    expect(info).toEqual([c.SOCK_STREAM, c.AF_INET]);
    client.setNoDelay(true);
    expect(getsockopt(client, c.IPPROTO_TCP, c.TCP_NODELAY)).toBe(1);
  });

  test('read-only ints: SO_TYPE, SO_ACCEPTCONN', async () => {
    const { server, client } = await tcpPair();
    const udp = await boundUdp();
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_TYPE)).toBe(c.SOCK_STREAM);
    expect(getsockopt(udp, c.SOL_SOCKET, c.SO_TYPE)).toBe(c.SOCK_DGRAM);
    expect(getsockopt(server, c.SOL_SOCKET, c.SO_ACCEPTCONN)).toBe(1);
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_ACCEPTCONN)).toBe(0);
  });

  test('32-bit unsigned values are passed as their bit pattern', async () => {
    const { client } = await tcpPair();
    setsockopt(client, c.SOL_SOCKET, c.SO_MARK!, 0xfffffffe);
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_MARK!) >>> 0).toBe(0xfffffffe);
    expect(pyGetInt(resolveFd(client), c.SOL_SOCKET, c.SO_MARK!) >>> 0).toBe(0xfffffffe);
  });
});

describe('byte options', () => {
  test('SO_LINGER from a Buffer, read back as bytes and by Python', async () => {
    const { client } = await tcpPair();
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0);
    linger.writeInt32LE(5, 4);
    setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, linger);
    const back = getsockopt(client, c.SOL_SOCKET, c.SO_LINGER, 8);
    expect(back).toEqual(linger);
    const py = python<number[]>(
      resolveFd(client),
      `out(list(struct.unpack('ii', sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))))`,
    );
    expect(py).toEqual([1, 5]);
  });

  test('TypedArray, DataView and ArrayBuffer values carry the same bytes', async () => {
    const { client } = await tcpPair();
    const views = [
      new Int32Array([1, 3]),
      new DataView(new Int32Array([1, 4]).buffer),
      new Int32Array([1, 6]).buffer,
      // A view into the middle of a larger buffer: only its own bytes go.
      new Int32Array([99, 1, 7, 99]).subarray(1, 3),
    ];
    const expected = [3, 4, 6, 7];
    views.forEach((view, i) => {
      setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, view);
      const back = getsockopt(client, c.SOL_SOCKET, c.SO_LINGER, 8);
      expect([back.readInt32LE(0), back.readInt32LE(4)]).toEqual([1, expected[i]]);
    });
  });

  test('TCP_CONGESTION as bytes: set a name, read exactly the bytes the kernel wrote', async () => {
    const { client } = await tcpPair();
    setsockopt(client, c.IPPROTO_TCP, c.TCP_CONGESTION!, Buffer.from('reno'));
    const back = getsockopt(client, c.IPPROTO_TCP, c.TCP_CONGESTION!, 16);
    expect(back.length).toBeLessThanOrEqual(16);
    expect(back.toString('latin1').replace(/\0+$/, '')).toBe('reno');
    const py = python<string>(
      resolveFd(client),
      `out(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b'\\0').decode())`,
    );
    expect(py).toBe('reno');
  });

  test('the returned Buffer is the kernel optlen, never more than asked', async () => {
    const { client } = await tcpPair();
    // An int option read with room for 64 bytes: the kernel writes 4.
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, 64).length).toBe(4);
    // TCP_INFO truncated to 8 bytes: exactly 8 come back.
    const info = getsockopt(client, c.IPPROTO_TCP, c.TCP_INFO!, 8);
    expect(info.length).toBe(8);
    expect(info[0]).toBe(1); // tcpi_state == TCP_ESTABLISHED
    const full = getsockopt(client, c.IPPROTO_TCP, c.TCP_INFO!, 4096);
    expect(full.length).toBeGreaterThan(100);
    expect(full.length).toBeLessThan(4096);
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, 0).length).toBe(0);
  });
});

describe('byte options read into a buffer of the caller (getsockopt with a target)', () => {
  test('every kind of target gets the bytes Python reads, from its start; the count is returned, the rest untouched', async () => {
    const { client } = await tcpPair();
    setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, new Int32Array([1, 9]));
    const py = python<number[]>(
      resolveFd(client),
      `out(list(sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8)))`,
    );
    const bytes = Buffer.from(py);
    const backing = new ArrayBuffer(24);
    const targets: [ArrayBufferView | ArrayBuffer, () => Uint8Array][] = [];
    const buf = Buffer.alloc(12, 0xaa);
    targets.push([buf, () => buf]);
    const u8 = new Uint8Array(8);
    targets.push([u8, () => u8]);
    const u32 = new Uint32Array(4).fill(0xaaaaaaaa);
    targets.push([u32, () => new Uint8Array(u32.buffer)]);
    targets.push([backing, () => new Uint8Array(backing)]);
    // A view into the middle of a larger buffer: only its own bytes are written.
    const inner = new DataView(new Uint8Array(24).fill(0xaa).buffer, 4, 8);
    targets.push([inner, () => new Uint8Array(inner.buffer)]);
    for (const [target, view] of targets) {
      const before = Buffer.from(view());
      const n = getsockopt(client, c.SOL_SOCKET, c.SO_LINGER, target);
      expect(n).toBe(8);
      const after = Buffer.from(view());
      const start = ArrayBuffer.isView(target) ? target.byteOffset : 0;
      expect(after.subarray(start, start + 8)).toEqual(bytes);
      // Outside the 8 bytes written, nothing changed.
      expect(Buffer.concat([after.subarray(0, start), after.subarray(start + 8)])).toEqual(
        Buffer.concat([before.subarray(0, start), before.subarray(start + 8)]),
      );
    }
    // The same bytes as the form that returns a Buffer; a target longer than
    // the answer gets the kernel's optlen, as that form returns.
    const long = Buffer.alloc(64);
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, long)).toBe(
      getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, 64).length,
    );
    expect(long.readInt32LE(0)).toBe(getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF));
    // Past the area the addon owns (4 KiB): the slower path, same answer.
    const big = Buffer.alloc(5000);
    const n = getsockopt(client, c.IPPROTO_TCP, c.TCP_INFO!, big);
    expect(n).toBe(getsockopt(client, c.IPPROTO_TCP, c.TCP_INFO!, 5000).length);
    expect(big[0]).toBe(1); // tcpi_state == TCP_ESTABLISHED
    expect(getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, Buffer.alloc(0))).toBe(0);
  });

  test("a target's own `set` (own, subclass, or none: a null prototype) is never called and never sees the addon's memory", async () => {
    const { client } = await tcpPair();
    const expected = getsockopt(client, c.IPPROTO_TCP, c.TCP_INFO!, 300);
    const seen: unknown[] = [];
    class Hooked extends Uint8Array {
      override set(src: ArrayLike<number>): void {
        seen.push(src);
      }
    }
    // 300 bytes: the copy out of the addon's area, which takes `set` for an
    // answer over 64 bytes (TCP_INFO natively; qemu-user answers 4 bytes).
    // 5000 bytes: past the area, where the answer is always copied with `set`.
    const targets: Uint8Array[] = [];
    for (const size of [300, 5000]) {
      const own = Buffer.alloc(size);
      Object.defineProperty(own, 'set', { value: (src: unknown) => seen.push(src) });
      const bare = new Uint8Array(size);
      Object.setPrototypeOf(bare, null);
      targets.push(own, new Hooked(size), bare);
    }
    for (const target of targets) {
      const n = getsockopt(client, c.IPPROTO_TCP, c.TCP_INFO!, target);
      expect(n).toBe(expected.length);
      // The fields that do not move on an idle connection: state (and, natively, options and wscale).
      expect(target[0]).toBe(expected[0]);
      if (n >= 8) expect([target[5], target[6], target[7]]).toEqual([expected[5], expected[6], expected[7]]);
    }
    if (process.arch === 'x64') expect(expected.length).toBeGreaterThan(64);
    expect(seen).toEqual([]);
  });

  test('bad targets are refused before the socket is touched; a failed call leaves the target as it was', async () => {
    const { client } = await tcpPair();
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return (err as { code?: string }).code;
      }
      return undefined;
    };
    const get = getsockopt as (...args: unknown[]) => unknown;
    expect(code(() => get(client, c.SOL_SOCKET, c.SO_LINGER, 'x'))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => get(client, c.SOL_SOCKET, c.SO_LINGER, {}))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => get(client, c.SOL_SOCKET, c.SO_LINGER, [0, 0]))).toBe('ERR_INVALID_ARG_TYPE');
    expect(code(() => get(client, c.SOL_SOCKET, c.SO_LINGER, new ArrayBuffer((1 << 20) + 1)))).toBe('ERR_OUT_OF_RANGE');
    const detached = new ArrayBuffer(8);
    structuredClone(detached, { transfer: [detached] });
    expect(code(() => get(client, c.SOL_SOCKET, c.SO_LINGER, detached))).toBe('ERR_INVALID_ARG_VALUE');
    const viewOfDetached = new Uint8Array(new ArrayBuffer(8));
    structuredClone(viewOfDetached.buffer, { transfer: [viewOfDetached.buffer] });
    expect(code(() => get(client, c.SOL_SOCKET, c.SO_LINGER, viewOfDetached))).toBe('ERR_INVALID_ARG_VALUE');
    // A socket whose fd getter detaches the target: refused, nothing written.
    const victim = new ArrayBuffer(8);
    const sneaky = {
      get fd() {
        structuredClone(victim, { transfer: [victim] });
        return resolveFd(client);
      },
    };
    expect(code(() => get(sneaky, c.SOL_SOCKET, c.SO_LINGER, victim))).toBe('ERR_INVALID_ARG_VALUE');
    // The kernel refuses (an unknown level on TCP): a system error, target untouched.
    const target = Buffer.alloc(8, 0x5a);
    const err = (() => {
      try {
        getsockopt(client, 0x7fff, 1, target);
      } catch (e) {
        return e as { code?: string; syscall?: string };
      }
      return undefined;
    })();
    expect(err?.syscall).toBe('getsockopt');
    expect(target).toEqual(Buffer.alloc(8, 0x5a));
  });
});

describe('socket-like values', () => {
  test('a raw fd, { fd } and the socket itself name the same socket', async () => {
    const sock = await boundUdp();
    const fd = resolveFd(sock);
    setsockopt(fd, c.IPPROTO_IP, c.IP_TTL, 21);
    expect(getsockopt({ fd }, c.IPPROTO_IP, c.IP_TTL)).toBe(21);
    expect(getsockopt(sock, c.IPPROTO_IP, c.IP_TTL)).toBe(21);
  });

  test('a net.Socket created from { fd } in another process acts on the inherited socket', async () => {
    const { client } = await tcpPair();
    const fd = resolveFd(client);
    const script = `
      const net = require('node:net');
      const s = require(${JSON.stringify(path.join(__dirname, '..', 'dist'))});
      const sock = new net.Socket({ fd: 3, readable: false, writable: false });
      s.setsockopt(sock, s.constants.IPPROTO_IP, s.constants.IP_TTL, 77);
      process.stdout.write(String(s.getsockopt(sock, s.constants.IPPROTO_IP, s.constants.IP_TTL)));
      process.exit(0);`;
    const res = spawnSync(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe', fd], encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('77');
    expect(getsockopt(client, c.IPPROTO_IP, c.IP_TTL)).toBe(77);
  });

  test('dgram sockets resolve without touching the deprecated _handle', async () => {
    const sock = await boundUdp();
    const spy = jest.spyOn(process, 'emitWarning');
    const descriptor = Object.getOwnPropertyDescriptor(dgram.Socket.prototype, '_handle');
    const touched = jest.fn();
    if (descriptor?.get) {
      Object.defineProperty(sock, '_handle', { get: touched, configurable: true });
    }
    getsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF);
    expect(touched).not.toHaveBeenCalled();
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });
});
