// Every constant both sockbuf and Python's socket module define must agree:
// both come from the same system headers.
import { constants } from '../lib';
import { python } from './helpers';

test('constants equal Python socket module values for every shared name', () => {
  const names = Object.keys(constants);
  const py = python<Record<string, number>>(
    null,
    `out({n: getattr(socket, n) for n in ${JSON.stringify(names)} if isinstance(getattr(socket, n, None), int)})`,
  );
  const shared = Object.keys(py);
  // Python defines most of them; a handful of overlap would mean a broken test.
  expect(shared.length).toBeGreaterThan(100);
  const mismatches = shared
    .filter((n) => Number(py[n]) !== constants[n])
    .map((n) => `${n}: ${constants[n]} vs ${py[n]}`);
  expect(mismatches).toEqual([]);
});

const onLinux = process.platform === 'linux' ? test : test.skip;

onLinux('the options the design names are present on Linux', () => {
  const required = [
    'SOL_SOCKET',
    'SO_RCVBUF',
    'SO_SNDBUF',
    'SO_RCVBUFFORCE',
    'SO_SNDBUFFORCE',
    'SO_KEEPALIVE',
    'SO_LINGER',
    'SO_REUSEADDR',
    'SO_REUSEPORT',
    'SO_RCVLOWAT',
    'SO_SNDLOWAT',
    'SO_RCVTIMEO',
    'SO_SNDTIMEO',
    'SO_BROADCAST',
    'SO_MEMINFO',
    'IPPROTO_IP',
    'IPPROTO_IPV6',
    'IPPROTO_TCP',
    'IPPROTO_UDP',
    'TCP_NODELAY',
    'TCP_MAXSEG',
    'TCP_KEEPIDLE',
    'TCP_KEEPINTVL',
    'TCP_KEEPCNT',
    'TCP_USER_TIMEOUT',
    'TCP_NOTSENT_LOWAT',
    'TCP_WINDOW_CLAMP',
    'TCP_CONGESTION',
    'TCP_INFO',
    'IP_TOS',
    'IP_TTL',
    'IPV6_V6ONLY',
  ];
  expect(required.filter((n) => typeof constants[n] !== 'number')).toEqual([]);
});

onLinux('constants is frozen and holds no made-up names', () => {
  expect(Object.isFrozen(constants)).toBe(true);
  // macOS-only names are absent on Linux rather than given a number.
  expect(constants.SO_NOSIGPIPE).toBeUndefined();
  expect(constants.TCP_NOPUSH).toBeUndefined();
  expect(Object.values(constants).every((v) => Number.isInteger(v))).toBe(true);
});
