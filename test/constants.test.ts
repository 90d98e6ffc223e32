// Every constant is checked against independent sources: a C program
// generated from the name list and compiled here against the system headers
// (every value, and every absence), and Python's socket module for the names
// it has.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { constants, getsockopt, setsockopt } from '../lib';
import { COMMON_CONSTANT_NAMES, PLATFORM_CONSTANT_NAMES } from '../lib/constant-names';
import { codeOf, python } from './helpers';

/** The same object, indexed by a name held in a string. */
const byName = constants as unknown as Readonly<Record<string, number | undefined>>;
const allNames: readonly string[] = [...COMMON_CONSTANT_NAMES, ...PLATFORM_CONSTANT_NAMES];
const nativeDir = path.join(__dirname, '..', 'native');

/** Every name native/ exports, read from its sources (SOCKBUF_SET(NAME)). */
function nativeNames(files: string[]): string[] {
  const names = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(path.join(nativeDir, file), 'utf8').matchAll(/SOCKBUF_SET\(([A-Z0-9_]+)\)/g)) {
      names.add(m[1]);
    }
  }
  return [...names].sort();
}

test('the typed name list is exactly what native/ can export, with no name twice', () => {
  expect([...allNames].sort()).toEqual(
    nativeNames(['constants.cc', 'platform_linux.cc', 'platform_darwin.cc', 'unsupported.cc']),
  );
  expect(new Set(allNames).size).toBe(allNames.length);
  // Nothing outside the list reaches `constants`.
  expect(Object.keys(constants).filter((n) => !allNames.includes(n))).toEqual([]);
});

const onLinux = process.platform === 'linux' ? test : test.skip;

onLinux('every constant, and every absence, equals what a C program compiled against the system headers prints', () => {
  // Enum members (not macros, so #ifdef cannot see them) of headers every Linux has.
  const enums = new Set(nativeNames(['platform_linux.cc']));
  const lines = allNames.map((n) =>
    enums.has(n)
      ? `  printf("${n} %lld\\n", (long long)(${n}));`
      : `#ifdef ${n}\n  printf("${n} %lld\\n", (long long)(${n}));\n#else\n  printf("${n} -\\n");\n#endif`,
  );
  const program = [
    '#include <stdio.h>',
    '#include <sys/types.h>',
    '#include <sys/socket.h>',
    '#include <sys/ioctl.h>',
    '#include <netinet/in.h>',
    '#include <netinet/tcp.h>',
    '#include <netinet/udp.h>',
    '#include <linux/sockios.h>',
    '#include <linux/sock_diag.h>',
    'int main(void) {',
    ...lines,
    '  return 0;',
    '}',
  ].join('\n');
  const dir = mkdtempSync(path.join(tmpdir(), 'sockbuf-constants-'));
  try {
    writeFileSync(path.join(dir, 'c.c'), program);
    // C, not C++ (the addon is C++): the same headers through another compiler front end.
    const cc = spawnSync('cc', ['-D_GNU_SOURCE', '-o', path.join(dir, 'c'), path.join(dir, 'c.c')], {
      encoding: 'utf8',
    });
    expect(cc.stderr).toBe('');
    expect(cc.status).toBe(0);
    const run = spawnSync(path.join(dir, 'c'), { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const fromC: Record<string, number | undefined> = {};
    for (const line of run.stdout.trim().split('\n')) {
      const [name, value] = line.split(' ');
      fromC[name] = value === '-' ? undefined : Number(value);
    }
    expect(Object.keys(fromC).length).toBe(allNames.length);
    const differ = allNames
      .filter((n) => fromC[n] !== byName[n])
      .map((n) => `${n}: sockbuf ${byName[n]}, C ${fromC[n]}`);
    expect(differ).toEqual([]);
    // Most of the list exists here; the rest is macOS's (or newer kernels').
    expect(allNames.filter((n) => fromC[n] !== undefined).length).toBeGreaterThan(200);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a misspelled or missing constant gets a message that says so', () => {
  const wrong = (constants as unknown as Record<string, number | undefined>).SO_RCVBUFF;
  expect(wrong).toBeUndefined();
  for (const call of [
    () => getsockopt(0x7fffffff, constants.SOL_SOCKET, wrong as number),
    () => setsockopt(0x7fffffff, wrong as number, constants.SO_RCVBUF, 1),
  ]) {
    expect(codeOf(call)).toBe('ERR_INVALID_ARG_TYPE');
    try {
      call();
    } catch (err) {
      expect((err as Error).message).toMatch(/probably misspelled, or not defined on/);
    }
  }
});

test('constants equal Python socket module values for every shared name', () => {
  const names = Object.keys(constants);
  const py = python<Record<string, number>>(
    null,
    `out({n: getattr(socket, n) for n in ${JSON.stringify(names)} if isinstance(getattr(socket, n, None), int)})`,
  );
  const shared = Object.keys(py);
  // Python defines most of them; a handful of overlap would mean a broken test.
  expect(shared.length).toBeGreaterThan(100);
  const mismatches = shared.filter((n) => Number(py[n]) !== byName[n]).map((n) => `${n}: ${byName[n]} vs ${py[n]}`);
  expect(mismatches).toEqual([]);
});

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
  expect(required.filter((n) => typeof byName[n] !== 'number')).toEqual([]);
});

onLinux('constants is frozen and holds no made-up names', () => {
  expect(Object.isFrozen(constants)).toBe(true);
  // macOS-only names are absent on Linux rather than given a number.
  expect(constants.SO_NOSIGPIPE).toBeUndefined();
  expect(constants.TCP_NOPUSH).toBeUndefined();
  expect(Object.values(constants).every((v) => Number.isInteger(v))).toBe(true);
});
