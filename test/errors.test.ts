// Every failure is an Error with a string code, in Node's shape; none of
// them reaches the kernel with a descriptor the caller did not pass.
import * as dgram from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import * as net from 'node:net';
import { getSystemErrorName } from 'node:util';
import {
  constants as c,
  configureServer,
  getOption,
  getsockopt,
  setBufferSizes,
  setOption,
  setRecvBufferSize,
  setSendBufferSize,
  setsockopt,
} from '../lib';
import { closeAll, listeningServer, portOf, tcpPair, track } from './helpers';

afterEach(closeAll);

function caught(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a throw');
}

describe('system errors', () => {
  test("a regular file's fd gives ENOTSOCK with code, negative errno, syscall, fd, level, option", () => {
    const fd = openSync(__filename, 'r');
    try {
      const err = caught(() => getsockopt(fd, c.SOL_SOCKET, c.SO_RCVBUF));
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe('ENOTSOCK');
      expect(err.errno).toBeLessThan(0);
      expect(getSystemErrorName(err.errno as number)).toBe('ENOTSOCK');
      expect(err.syscall).toBe('getsockopt');
      expect(err.fd).toBe(fd);
      expect(err.level).toBe(c.SOL_SOCKET);
      expect(err.option).toBe(c.SO_RCVBUF);
      expect(err.message).toMatch(/^getsockopt ENOTSOCK: .*fd \d+, SOL_SOCKET\/SO_RCVBUF/);
      const setErr = caught(() => setsockopt(fd, c.SOL_SOCKET, c.SO_RCVBUF, 1024));
      expect(setErr.code).toBe('ENOTSOCK');
      expect(setErr.syscall).toBe('setsockopt');
      const bytesErr = caught(() => getsockopt(fd, c.SOL_SOCKET, c.SO_LINGER, 8));
      expect(bytesErr.code).toBe('ENOTSOCK');
    } finally {
      closeSync(fd);
    }
  });

  test('an unknown option gives ENOPROTOOPT', async () => {
    const { client } = await tcpPair();
    for (const call of [
      () => getsockopt(client, c.SOL_SOCKET, 9999),
      () => setsockopt(client, c.SOL_SOCKET, 9999, 1),
      () => getsockopt(client, c.IPPROTO_TCP, 9999, 16),
      () => setsockopt(client, c.IPPROTO_TCP, 9999, Buffer.alloc(4)),
    ]) {
      const err = caught(call);
      expect(err.code).toBe('ENOPROTOOPT');
      expect(getSystemErrorName(err.errno as number)).toBe('ENOPROTOOPT');
      expect(err.option).toBe(9999);
    }
  });

  test('a closed descriptor number gives EBADF', () => {
    const fd = openSync(__filename, 'r');
    closeSync(fd);
    // Nothing else in this test opens descriptors, so the number is free.
    const err = caught(() => getsockopt(fd, c.SOL_SOCKET, c.SO_TYPE));
    expect(err.code).toBe('EBADF');
  });

  test('a value of the wrong size gives EINVAL', async () => {
    const { client } = await tcpPair();
    const err = caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, Buffer.alloc(2)));
    expect(err.code).toBe('EINVAL');
  });
});

describe('argument errors', () => {
  test.each([
    ['a string', 'x'],
    ['null', null],
    ['undefined', undefined],
    ['a bigint', 3n],
    ['an object without fd', {}],
    ['an fd that is a string', { fd: '3' }],
    ['a function', () => 3],
  ])('sock as %s: TypeError ERR_INVALID_ARG_TYPE', (_label, value) => {
    const err = caught(() => getsockopt(value as never, c.SOL_SOCKET, c.SO_RCVBUF));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.code).toBe('ERR_INVALID_ARG_TYPE');
  });

  test.each([
    ['-1', -1],
    ['a fraction', 1.5],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['2^31', 2 ** 31],
    ['2^53', 2 ** 53],
    ['{ fd: -1 }', { fd: -1 }],
  ])('sock as %s: RangeError ERR_OUT_OF_RANGE', (_label, value) => {
    const err = caught(() => getsockopt(value as never, c.SOL_SOCKET, c.SO_RCVBUF));
    expect(err).toBeInstanceOf(RangeError);
    expect(err.code).toBe('ERR_OUT_OF_RANGE');
  });

  test('level, option, length and value are checked before any system call', async () => {
    const { client } = await tcpPair();
    expect(caught(() => getsockopt(client, 'SOL_SOCKET' as never, c.SO_RCVBUF)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(caught(() => getsockopt(client, c.SOL_SOCKET, 2 ** 40)).code).toBe('ERR_OUT_OF_RANGE');
    expect(caught(() => getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, -1)).code).toBe('ERR_OUT_OF_RANGE');
    expect(caught(() => getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, 2 ** 21)).code).toBe('ERR_OUT_OF_RANGE');
    expect(caught(() => getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, '8' as never)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, 2 ** 32)).code).toBe('ERR_OUT_OF_RANGE');
    expect(caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, 0.5)).code).toBe('ERR_OUT_OF_RANGE');
    expect(caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, '1' as never)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, 1n as never)).code).toBe('ERR_INVALID_ARG_TYPE');
    expect(caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF, null as never)).code).toBe(
      'ERR_INVALID_ARG_TYPE',
    );
  });

  test('a detached buffer is refused, not passed as a null pointer', async () => {
    const { client } = await tcpPair();
    const buf = new ArrayBuffer(8);
    const view = new Uint8Array(buf);
    const dataView = new DataView(buf);
    structuredClone(buf, { transfer: [buf] });
    const err = caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, view));
    expect(caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, dataView)).code).toBe('ERR_INVALID_ARG_VALUE');
    expect(err.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(caught(() => setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, buf)).code).toBe('ERR_INVALID_ARG_VALUE');
  });
});

describe('sockets without a descriptor', () => {
  test('a client still resolving its host: ERR_SOCKBUF_NO_FD, never fd -1', async () => {
    const server = await listeningServer();
    const client = track(net.connect({ port: portOf(server), host: 'localhost' }));
    // Before the lookup finishes, the handle exists but has no socket.
    const err = caught(() => getsockopt(client, c.SOL_SOCKET, c.SO_RCVBUF));
    expect(err.code).toBe('ERR_SOCKBUF_NO_FD');
    expect(err.message).toMatch(/connect/);
  });

  test('a socket never connected: ERR_SOCKBUF_NO_FD', () => {
    const err = caught(() => getsockopt(new net.Socket(), c.SOL_SOCKET, c.SO_RCVBUF));
    expect(err.code).toBe('ERR_SOCKBUF_NO_FD');
  });

  test('an unbound dgram socket: ERR_SOCKBUF_NO_FD, saying to bind', () => {
    const sock = track(dgram.createSocket('udp4'));
    const err = caught(() => getsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF));
    expect(err.code).toBe('ERR_SOCKBUF_NO_FD');
    expect(err.message).toMatch(/bind/);
  });

  test('a server not listening: ERR_SOCKBUF_NO_FD, saying to listen', () => {
    const err = caught(() => getsockopt(net.createServer(), c.SOL_SOCKET, c.SO_RCVBUF));
    expect(err.code).toBe('ERR_SOCKBUF_NO_FD');
    expect(err.message).toMatch(/listen/);
  });

  test('a destroyed socket: ERR_SOCKBUF_CLOSED, even after its number was reused', async () => {
    const { client } = await tcpPair();
    const oldFd = (client as unknown as { _handle: { fd: number } })._handle.fd;
    client.destroy();
    // Open sockets until one takes the old number.
    const other = await tcpPair();
    const err = caught(() => setsockopt(client, c.IPPROTO_IP, c.IP_TTL, 1));
    expect(err.code).toBe('ERR_SOCKBUF_CLOSED');
    // Whoever owns the old number now was not touched.
    for (const s of [other.client, other.accepted]) expect(getsockopt(s, c.IPPROTO_IP, c.IP_TTL)).not.toBe(1);
    expect(typeof oldFd).toBe('number');
  });

  test('a closed dgram socket: ERR_SOCKBUF_CLOSED', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => sock.close(resolve));
    expect(caught(() => getsockopt(sock, c.SOL_SOCKET, c.SO_RCVBUF)).code).toBe('ERR_SOCKBUF_CLOSED');
  });
});

describe('every throw has a string code', () => {
  const revoked = (): object => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return proxy;
  };

  test('a revoked Proxy as the socket, its handle, options or an option value: ERR_INVALID_ARG_TYPE', async () => {
    const { client } = await tcpPair();
    const lookAlike = Object.assign(Object.create(net.Socket.prototype) as object, { _handle: revoked() });
    const calls: [string, () => unknown][] = [
      ['socket', () => getsockopt(revoked() as never, c.SOL_SOCKET, c.SO_TYPE)],
      ['socket handle', () => getsockopt(lookAlike as never, c.SOL_SOCKET, c.SO_TYPE)],
      ['setBufferSizes options', () => setBufferSizes(client, revoked() as never)],
      ['setRecvBufferSize options', () => setRecvBufferSize(client, 4096, revoked() as never)],
      ['setOption value', () => setOption(client, 'SO_LINGER', revoked() as never)],
      ['setOption options', () => setOption(client, 'TCP_NODELAY', true, revoked() as never)],
      ['setsockopt value', () => setsockopt(client, c.SOL_SOCKET, c.SO_LINGER, revoked() as never)],
      ['configureServer server', () => configureServer(revoked() as never, { recv: 1 })],
    ];
    for (const [what, call] of calls) {
      const err = caught(call);
      expect([what, err.code, err.constructor.name]).toEqual([what, 'ERR_INVALID_ARG_TYPE', 'TypeError']);
      expect(err.message).toMatch(/[Rr]evoked Proxy/);
    }
  });

  test('objects posing as sockets with frozen, sealed or Proxy handles resolve, every time, without a plain TypeError', () => {
    const fd = openSync(__filename, 'r');
    try {
      const handles = [
        Object.freeze({ fd }),
        Object.seal({ fd }),
        Object.preventExtensions({ fd }),
        new Proxy({ fd }, { defineProperty: () => false }),
      ];
      for (const handle of handles) {
        const poser = Object.freeze(Object.assign(Object.create(net.Socket.prototype) as object, { _handle: handle }));
        for (let i = 0; i < 3; i++) {
          const err = caught(() => getsockopt(poser as never, c.SOL_SOCKET, c.SO_TYPE));
          // The fd was found: the kernel says it is not a socket.
          expect([err.code, err.fd]).toEqual(['ENOTSOCK', fd]);
        }
      }
    } finally {
      closeSync(fd);
    }
  });

  test("the caller's own getter or trap error propagates unchanged (it is theirs, not sockbuf's)", async () => {
    const { client } = await tcpPair();
    const mine = new Error('my getter');
    const throwing = (key: string) =>
      Object.defineProperty({}, key, {
        get: () => {
          throw mine;
        },
        enumerable: true,
      });
    const trap = new Proxy(
      {},
      {
        get: () => {
          throw mine;
        },
      },
    );
    const calls: (() => unknown)[] = [
      () => setBufferSizes(client, throwing('recv') as never),
      () => setBufferSizes(client, trap as never),
      () => setSendBufferSize(client, 4096, throwing('force') as never),
      () => setOption(client, 'SO_LINGER', throwing('seconds') as never),
      () => setOption(client, 'TCP_NODELAY', true, throwing('unsafe') as never),
      () => getsockopt(throwing('fd') as never, c.SOL_SOCKET, c.SO_TYPE),
    ];
    for (const call of calls) expect(caught(call)).toBe(mine);
  });
});

describe('arguments are checked before the socket is resolved', () => {
  test('an invalid argument wins over a socket that cannot be resolved, so no getter runs after resolution', () => {
    const gone = new net.Socket(); // no descriptor: ERR_SOCKBUF_NO_FD once resolved
    const cases: [string, () => unknown, string][] = [
      ['getsockopt level', () => getsockopt(gone, 'x' as never, 1), 'ERR_INVALID_ARG_TYPE'],
      ['getsockopt length', () => getsockopt(gone, 1, 1, -1), 'ERR_OUT_OF_RANGE'],
      ['setsockopt value', () => setsockopt(gone, 1, 1, 'x' as never), 'ERR_INVALID_ARG_TYPE'],
      ['setBufferSizes', () => setBufferSizes(gone, { recv: -1 }), 'ERR_OUT_OF_RANGE'],
      ['setRecvBufferSize', () => setRecvBufferSize(gone, 1.5), 'ERR_OUT_OF_RANGE'],
      ['setSendBufferSize options', () => setSendBufferSize(gone, 1, { force: 1 } as never), 'ERR_INVALID_ARG_TYPE'],
      ['getOption name', () => getOption(gone, 'SO_NOPE' as never), 'ERR_INVALID_ARG_VALUE'],
      ['setOption value', () => setOption(gone, 'TCP_NODELAY', 1 as never), 'ERR_INVALID_ARG_TYPE'],
      ['setOption unsafe', () => setOption(gone, 'UDP_GRO', true), 'ERR_SOCKBUF_UNSAFE_OPTION'],
    ];
    for (const [what, call, code] of cases) expect([what, caught(call).code]).toEqual([what, code]);
    // Valid arguments: the socket's own error.
    expect(caught(() => setRecvBufferSize(gone, 4096)).code).toBe('ERR_SOCKBUF_NO_FD');
  });
});
