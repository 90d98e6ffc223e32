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
