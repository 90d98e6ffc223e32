// The behaviour every platform shares, written so that it runs on Linux and
// on macOS (where the GitHub workflow runs it): buffer-size reports follow
// the platform's rule (Linux doubles and clamps, macOS refuses past
// kern.ipc.maxsockbuf and sockbuf finds the largest size it takes).
import { openSync, closeSync } from 'node:fs';
import {
  constants as c,
  getBufferSizes,
  getOption,
  getsockopt,
  queuedBytes,
  setOption,
  setRecvBufferSize,
  setsockopt,
  systemLimits,
} from '../lib';
import { boundUdp, closeAll, codeOf, tcpPair } from './helpers';

afterEach(closeAll);

const linux = process.platform === 'linux';

test('systemLimits reads the platform source and knows the cap', () => {
  const limits = systemLimits();
  expect(limits.platform).toBe(process.platform);
  expect(limits.source).toBe(linux ? 'procfs' : 'sysctl');
  expect(limits.recvMax).toBeGreaterThan(0);
  expect(limits.tcp.recv.max).toBeGreaterThan(0);
});

test('a request under the cap is granted by the platform rule', async () => {
  const sock = await boundUdp();
  const report = setRecvBufferSize(sock, 65536);
  expect(report.clamped).toBe(false);
  expect(report.forced).toBe(false);
  expect(report.effective).toBe(linux ? 131072 : 65536);
  expect(report.granted).toBe(65536);
  expect(getBufferSizes(sock).recv).toBe(report.effective);
  expect(sock.getRecvBufferSize()).toBe(report.effective);
  expect(report.limit).toBe(systemLimits().recvMax);
});

test('a request far over the cap is clamped, reported, never thrown', async () => {
  const sock = await boundUdp();
  const cap = systemLimits().recvMax as number;
  const report = setRecvBufferSize(sock, Math.min(cap * 8, 0x7fffffff));
  expect(report.clamped).toBe(true);
  expect(report.forced).toBe(false);
  expect(report.limit).toBe(cap);
  expect(report.effective).toBe(getBufferSizes(sock).recv);
  expect(report.effective).toBeGreaterThan(0);
  expect(report.effective).toBeLessThanOrEqual(linux ? 2 * cap : cap);
});

test('raw and typed options on TCP', async () => {
  const { client } = await tcpPair();
  client.setNoDelay(true);
  expect(getsockopt(client, c.IPPROTO_TCP, c.TCP_NODELAY)).not.toBe(0);
  setsockopt(client, c.SOL_SOCKET, c.SO_KEEPALIVE, true);
  expect(getOption(client, 'SO_KEEPALIVE')).toBe(true);
  // A linger timeout would block destroy(): refused unless opted in.
  expect(codeOf(() => setOption(client, 'SO_LINGER', { enabled: true, seconds: 3 }))).toBe('ERR_SOCKBUF_UNSAFE_OPTION');
  setOption(client, 'SO_LINGER', { enabled: true, seconds: 3 }, { unsafe: true });
  expect(getOption(client, 'SO_LINGER')).toEqual({ enabled: true, seconds: 3 });
  setOption(client, 'SO_LINGER', { enabled: false, seconds: 0 });
  expect(getOption(client, 'SO_TYPE')).toBe(c.SOCK_STREAM);
  // qemu-user (the arm64 run) implements no SIOCOUTQNSD: no such count there.
  const unsent = process.platform === 'linux' && !process.env.SOCKBUF_UNDER_QEMU ? 0 : null;
  expect(queuedBytes(client)).toEqual({ recv: 0, send: 0, unsent });
});

test('a regular file is not a socket: ENOTSOCK, in Node shape', () => {
  const fd = openSync(__filename, 'r');
  try {
    expect(codeOf(() => getsockopt(fd, c.SOL_SOCKET, c.SO_RCVBUF))).toBe('ENOTSOCK');
  } finally {
    closeSync(fd);
  }
});
