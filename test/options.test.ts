// Typed options by name, checked against the raw option and against Python.
import { constants as c, getOption, getsockopt, optionCatalog, setOption, type OptionName } from '../lib';
import { resolveFd } from '../lib/resolve';
import { boundUdp, closeAll, codeOf, python, tcpPair } from './helpers';

afterEach(closeAll);

test('ints and booleans round-trip and match the raw option', async () => {
  const { client } = await tcpPair();
  setOption(client, 'TCP_NODELAY', true);
  expect(getOption(client, 'TCP_NODELAY')).toBe(true);
  expect(getsockopt(client, c.IPPROTO_TCP, c.TCP_NODELAY)).toBe(1);
  setOption(client, 'TCP_KEEPCNT', 4);
  expect(getOption(client, 'TCP_KEEPCNT')).toBe(4);
  expect(python<number>(resolveFd(client), 'out(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT))')).toBe(4);
  setOption(client, 'TCP_USER_TIMEOUT', 12_345);
  expect(getOption(client, 'TCP_USER_TIMEOUT')).toBe(12_345);
  expect(getOption(client, 'SO_TYPE')).toBe(c.SOCK_STREAM);
  expect(getOption(client, 'SO_ACCEPTCONN')).toBe(false);
});

test('SO_LINGER as { enabled, seconds }, as Python sees it', async () => {
  const { client } = await tcpPair();
  setOption(client, 'SO_LINGER', { enabled: true, seconds: 9 });
  expect(getOption(client, 'SO_LINGER')).toEqual({ enabled: true, seconds: 9 });
  expect(
    python<number[]>(
      resolveFd(client),
      `out(list(struct.unpack('ii', sock.getsockopt(socket.SOL_SOCKET, socket.SO_LINGER, 8))))`,
    ),
  ).toEqual([1, 9]);
  setOption(client, 'SO_LINGER', { enabled: false, seconds: 0 });
  // Linux clears the flag and keeps the old l_linger: only `enabled` changes.
  expect(getOption(client, 'SO_LINGER').enabled).toBe(false);
});

test('SO_RCVTIMEO / SO_SNDTIMEO in milliseconds, as struct timeval for Python', async () => {
  const sock = await boundUdp();
  setOption(sock, 'SO_RCVTIMEO', 2500);
  expect(getOption(sock, 'SO_RCVTIMEO')).toBe(2500);
  expect(
    python<number[]>(
      resolveFd(sock),
      `out(list(struct.unpack('ll', sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16))))`,
    ),
  ).toEqual([2, 500000]);
  setOption(sock, 'SO_SNDTIMEO', 30_000);
  expect(getOption(sock, 'SO_SNDTIMEO')).toBe(30_000);
  // The kernel keeps timeouts in clock ticks: 1 ms reads back as one tick.
  setOption(sock, 'SO_SNDTIMEO', 1);
  const tick = getOption(sock, 'SO_SNDTIMEO');
  expect(tick).toBeGreaterThanOrEqual(1);
  expect(tick).toBeLessThanOrEqual(10);
});

test('TCP_CONGESTION as a string', async () => {
  const { client } = await tcpPair();
  const before = getOption(client, 'TCP_CONGESTION');
  expect(before).toMatch(/^[a-z0-9_]+$/);
  setOption(client, 'TCP_CONGESTION', 'reno');
  expect(getOption(client, 'TCP_CONGESTION')).toBe('reno');
  expect(
    python<string>(
      resolveFd(client),
      `out(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b'\\0').decode())`,
    ),
  ).toBe('reno');
  expect(codeOf(() => setOption(client, 'TCP_CONGESTION', 'no-such-algorithm'))).toBe('ENOENT');
});

test('every catalog option present on this platform reads the same as the raw option', async () => {
  const { client } = await tcpPair();
  const udp = await boundUdp();
  for (const name of Object.keys(optionCatalog) as OptionName[]) {
    const spec = optionCatalog[name];
    if (c[name] === undefined) {
      expect(codeOf(() => getOption(client, name))).toBe('ERR_FEATURE_UNAVAILABLE_ON_PLATFORM');
      continue;
    }
    const sock = spec.level === 'IPPROTO_UDP' ? udp : client;
    let value: unknown;
    try {
      value = getOption(sock, name);
    } catch (err) {
      // Options the kernel does not answer for this socket: a system error, never a crash.
      expect((err as { syscall?: string }).syscall).toBe('getsockopt');
      continue;
    }
    if (spec.kind === 'int') expect(value).toBe(getsockopt(sock, c[spec.level], c[name]));
    if (spec.kind === 'bool') expect(value).toBe(getsockopt(sock, c[spec.level], c[name]) !== 0);
  }
});

test('run-time checks: unknown names, read-only options, wrong value types', async () => {
  const { client } = await tcpPair();
  expect(codeOf(() => getOption(client, 'SO_NOPE' as never))).toBe('ERR_INVALID_ARG_VALUE');
  expect(codeOf(() => getOption(client, 42 as never))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => setOption(client, 'SO_TYPE' as never, 1 as never))).toBe('ERR_INVALID_ARG_VALUE');
  expect(codeOf(() => setOption(client, 'TCP_NODELAY', 1 as never))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => setOption(client, 'TCP_KEEPCNT', true as never))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => setOption(client, 'TCP_KEEPCNT', 1.5))).toBe('ERR_OUT_OF_RANGE');
  expect(codeOf(() => setOption(client, 'TCP_KEEPCNT', 2 ** 31))).toBe('ERR_OUT_OF_RANGE');
  expect(codeOf(() => setOption(client, 'SO_LINGER', { enabled: 1, seconds: 1 } as never))).toBe(
    'ERR_INVALID_ARG_TYPE',
  );
  expect(codeOf(() => setOption(client, 'SO_LINGER', { enabled: true, seconds: -1 }))).toBe('ERR_OUT_OF_RANGE');
  expect(codeOf(() => setOption(client, 'SO_LINGER', null as never))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => setOption(client, 'SO_RCVTIMEO', -5))).toBe('ERR_OUT_OF_RANGE');
  expect(codeOf(() => setOption(client, 'SO_RCVTIMEO', NaN))).toBe('ERR_OUT_OF_RANGE');
  expect(codeOf(() => setOption(client, 'TCP_CONGESTION', 5 as never))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => setOption(client, 'TCP_CONGESTION', 'a\0b'))).toBe('ERR_INVALID_ARG_VALUE');
  expect(codeOf(() => setOption(client, 'TCP_CONGESTION', ''))).toBe('ERR_INVALID_ARG_VALUE');
  // A UDP option on a TCP socket: the kernel's answer, as a system error.
  expect(codeOf(() => setOption(client, 'UDP_CORK', true))).toBe('ENOPROTOOPT');
});
