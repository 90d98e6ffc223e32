// The `sockbuf` command, run as users run it (node dist/cli.js), and the
// unit parsing behind its arguments.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { recommend } from '../lib/report';
import { getRecvBufferSize, setRecvBufferSize, systemLimits, type SystemLimits } from '../lib';
import { resolveFd } from '../lib/resolve';
import { formatBytes, parseDuration, parseRate, parseSize } from '../lib/units';
import { closeAll, ensureDist, python, sysctl, tcpPair } from './helpers';

beforeAll(ensureDist);
afterEach(closeAll);

const cli = path.join(__dirname, '..', 'dist', 'cli.js');

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

const rmemMax = Number(sysctl('net.core.rmem_max'));

describe('units', () => {
  test.each([
    ['65536', 65536],
    ['64KiB', 65536],
    ['64k', 65536],
    ['64KB', 64000],
    ['8MiB', 8 * 1024 * 1024],
    ['1.5MiB', 1.5 * 1024 * 1024],
    ['1GB', 1e9],
  ])('size %s = %d bytes', (text, bytes) => expect(parseSize(text)).toBe(bytes));

  test.each([
    ['1Gbit', 1e9],
    ['100Mbit', 1e8],
    ['100Mbit/s', 1e8],
    ['10Gbps', 1e10],
    ['125MB/s', 1e9],
    // b is a bit and B a byte, exactly as written.
    ['100Mb/s', 1e8],
    ['100MB/s', 8e8],
    ['100Mbps', 1e8],
    ['100MBps', 8e8],
    ['100mbps', 1e8],
    ['1kbit', 1e3],
    ['1Kbps', 1e3],
    ['10MiB/s', 8 * 10 * 1024 * 1024],
    ['100 Mbit/s', 1e8],
  ])('rate %s = %d bit/s', (text, bits) => expect(parseRate(text)).toBe(bits));

  test.each(['100M', '100m', '100', '100MB', '100Mb', '100k', '1G', 'fast', '100iB/s', '100Mbyte'])(
    'the rate "%s" does not say bits or bytes: refused, with the accepted forms',
    (text) => {
      expect(() => parseRate(text)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_ARG_VALUE',
          message: expect.stringMatching(/100Mbit.*12\.5MB\/s/),
        }),
      );
    },
  );

  test.each(['64Kb', '64kb', '8Mb', '1b', '64KiB/s'])('the size "%s" (bits, or a rate) is refused', (text) => {
    expect(() => parseSize(text)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  test.each([
    ['80ms', 0.08],
    ['0.2s', 0.2],
    ['150us', 0.00015],
    ['80', 0.08],
  ])('duration %s = %d s', (text, seconds) => expect(parseDuration(text)).toBeCloseTo(seconds, 12));

  test.each(['', 'abc', '64XB', '-5', '1e3'])('"%s" is refused with a code', (text) => {
    expect(() => parseSize(text)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
  });

  test('a size past INT_MAX is out of range', () => {
    expect(() => parseSize('2GiB')).toThrow(expect.objectContaining({ code: 'ERR_OUT_OF_RANGE' }));
  });

  test('formatBytes', () => {
    expect(formatBytes(4194304)).toBe('4 MiB');
    expect(formatBytes(212992)).toBe('208 KiB');
    expect(formatBytes(1000)).toBe('1000 B');
  });
});

describe('recommend', () => {
  const here = systemLimits();
  const MiB = 1024 * 1024;
  /** This machine's limits with some values replaced. */
  function limitsWith(change: {
    rmemMax?: number;
    wmemMax?: number;
    tcpRmemMax?: number;
    tcpWmemMax?: number;
  }): SystemLimits {
    return {
      ...here,
      recvMax: change.rmemMax ?? here.recvMax,
      sendMax: change.wmemMax ?? here.sendMax,
      tcp: {
        ...here.tcp,
        windowScaling: true,
        autotuning: true,
        recv: { ...here.tcp.recv, max: change.tcpRmemMax ?? here.tcp.recv.max },
        send: { ...here.tcp.send, max: change.tcpWmemMax ?? here.tcp.send.max },
      },
    };
  }

  test('the bandwidth-delay product; a fixed size is requested as one BDP, the need is twice that', () => {
    const r = recommend(1e9, 0.08, here);
    expect(r.bdpBytes).toBe(10_000_000);
    expect(r.tcp.fixedRequest).toBe(Math.ceil(10_000_000 / 4096) * 4096);
    expect(r.tcp.bufferNeeded).toBe(Math.ceil(20_000_000 / 4096) * 4096);
    expect(r.udpBufferBytes).toBe(Math.ceil(10_000_000 / 4096) * 4096);
    expect(r.fitsUdp).toBe(here.recvMax! >= r.udpBufferBytes);
  });

  test('when tcp_rmem/tcp_wmem max reach the need, TCP is left to autotuning: no fixed size, no TCP sysctl', () => {
    const r = recommend(1e9, 0.08, limitsWith({ tcpRmemMax: 64 * MiB, tcpWmemMax: 64 * MiB, rmemMax: 208 * 1024 }));
    expect(r.tcp.verdict).toBe('autotuning');
    expect(r.code).not.toMatch(/configureServer\(/);
    expect(r.code).toMatch(/TCP: set nothing/);
    expect(r.sysctl.filter((l) => l.includes('tcp_'))).toEqual([]);
  });

  test('autotuning too small, a fixed size fits: raise the max, or set one BDP where you cannot', () => {
    const r = recommend(
      1e9,
      0.08,
      limitsWith({ tcpRmemMax: 6 * MiB, tcpWmemMax: 4 * MiB, rmemMax: 16 * MiB, wmemMax: 16 * MiB }),
    );
    expect(r.tcp.verdict).toBe('sysctl-or-fixed');
    expect(r.sysctl).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^net\.ipv4\.tcp_rmem = .* 20000768$/),
        expect.stringMatching(/^net\.ipv4\.tcp_wmem = .* 20000768$/),
      ]),
    );
    expect(r.code).toContain(`configureServer(server, { recv: ${r.tcp.fixedRequest}, send: ${r.tcp.fixedRequest} })`);
  });

  test('only the direction that needs it gets a fixed size', () => {
    const r = recommend(1e9, 0.08, limitsWith({ tcpRmemMax: 64 * MiB, tcpWmemMax: 4 * MiB, wmemMax: 16 * MiB }));
    expect([r.tcp.recv.advice, r.tcp.send.advice]).toEqual(['autotuning', 'sysctl-or-fixed']);
    expect(r.code).toContain(`configureServer(server, { send: ${r.tcp.fixedRequest} })`);
  });

  test('autotuning and the fixed cap both too small: only a sysctl change helps', () => {
    const r = recommend(
      1e9,
      0.08,
      limitsWith({ tcpRmemMax: 4 * MiB, tcpWmemMax: 4 * MiB, rmemMax: 4 * MiB, wmemMax: 4 * MiB }),
    );
    expect(r.tcp.verdict).toBe('sysctl');
    expect(r.code).not.toMatch(/configureServer\(/);
  });

  test("this machine's advice follows this machine's sysctls", () => {
    const [, , rmem2] = sysctl('net.ipv4.tcp_rmem')!.split(/\s+/).map(Number);
    const r = recommend(1e9, 0.08);
    expect(r.tcp.recv.autotuningReaches).toBe(rmem2 >= r.tcp.bufferNeeded);
    expect(r.tcp.recv.fixedFits).toBe(Number(sysctl('net.core.rmem_max')) >= r.tcp.fixedRequest);
  });

  test('the kernel turns the fixed request into the buffer needed (not twice that)', async () => {
    // A path whose BDP fits this machine's rmem_max.
    const bdp = Math.floor(Number(sysctl('net.core.rmem_max')) / 2 / 4096) * 4096;
    const r = recommend(bdp * 16, 0.5);
    expect(r.bdpBytes).toBe(bdp);
    expect(r.tcp.recv.fixedFits).toBe(true);
    const { client } = await tcpPair();
    expect(setRecvBufferSize(client, r.tcp.fixedRequest).clamped).toBe(false);
    const got = python<number>(resolveFd(client), 'out(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))');
    expect(got).toBe(getRecvBufferSize(client));
    expect(got).toBe(r.tcp.bufferNeeded);
  });
});

describe('sockbuf command', () => {
  test('the report shows the limits and what real sockets get', () => {
    const res = run();
    expect(res.status).toBe(0);
    expect(res.stderr).toBe('');
    expect(res.stdout).toContain('net.core.rmem_max');
    expect(res.stdout).toContain(formatBytes(rmemMax));
    expect(res.stdout).toMatch(/TCP receive .*→/);
    expect(res.stdout).toMatch(/UDP receive .*→/);
  });

  test("a new socket's sizes are printed as the kernel reports them, not halved", () => {
    // Python on fresh sockets: TCP starts at tcp_rmem[1] / tcp_wmem[1], UDP at rmem_default / wmem_default.
    const fresh = python<number[]>(
      null,
      [
        't = socket.socket(socket.AF_INET, socket.SOCK_STREAM)',
        'u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
        'out([s.getsockopt(socket.SOL_SOCKET, o) for s in (t, u) for o in (socket.SO_RCVBUF, socket.SO_SNDBUF)])',
      ].join('\n'),
    );
    const [tcpRecv, tcpSend] = sysctl('net.ipv4.tcp_rmem')!
      .split(/\s+/)
      .map(Number)
      .slice(1, 2)
      .concat(sysctl('net.ipv4.tcp_wmem')!.split(/\s+/).map(Number).slice(1, 2));
    expect(fresh).toEqual([
      tcpRecv,
      tcpSend,
      Number(sysctl('net.core.rmem_default')),
      Number(sysctl('net.core.wmem_default')),
    ]);
    const res = run('probe', '--recv', '64KiB', '--send', '32KiB');
    const cell = (name: string): string => new RegExp(`  ${name}\\s+(\\S+ \\S+)\\s+→`).exec(res.stdout)![1];
    expect([cell('TCP receive'), cell('TCP send'), cell('UDP receive'), cell('UDP send')]).toEqual(
      fresh.map(formatBytes),
    );
    const data = JSON.parse(run('probe', '--recv', '64KiB', '--json').stdout);
    expect([data.tcp.defaults.recv, data.tcp.defaults.send, data.udp.defaults.recv, data.udp.defaults.send]).toEqual(
      fresh,
    );
    // The connected socket's send buffer grew after connect: labelled as such, never as a default.
    expect(data.tcp.connected.send).toBeGreaterThan(tcpSend);
    expect(res.stdout).toMatch(/send buffer was already .* the kernel grows it after connect/);
  });

  test('what a request got is printed as granted (in the units asked), with what getsockopt says', () => {
    const res = run('probe', '--recv', '64KiB', '--send', '32KiB');
    expect(res.stdout).toMatch(/UDP receive\s+\S+ \S+\s+→ granted 64 KiB \(getsockopt: 128 KiB\)$/m);
    expect(res.stdout).toMatch(/TCP send\s+\S+ \S+\s+→ granted 32 KiB \(getsockopt: 64 KiB\)$/m);
    expect(res.stdout).not.toMatch(/clamped|forced/);
  });

  test('"forced past the cap" only when the request exceeded the cap', () => {
    const under = run('probe', '--recv', '64KiB', '--force');
    expect(under.status).toBe(0);
    expect(under.stdout).not.toMatch(/forced past the cap|clamped/);
    const over = run('probe', '--recv', String(rmemMax * 2), '--force', '--json');
    const forced = JSON.parse(over.stdout).udp.result.recv.forced as boolean;
    const text = run('probe', '--recv', String(rmemMax * 2), '--force').stdout;
    // As root (CAP_NET_ADMIN) the request goes past the cap; otherwise it is clamped to it.
    expect(text).toMatch(forced ? /UDP receive .*forced past the cap/ : /UDP receive .*clamped by the cap/);
  });

  test('the UDP note gives the per-datagram cost measured now, as Python measures it on loopback', () => {
    const oracle = python<number[]>(
      null,
      [
        'rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
        "rx.bind(('127.0.0.1', 0))",
        'tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
        'costs = []',
        'for size in (64, 512, 1400):',
        '    before = struct.unpack("9I", rx.getsockopt(socket.SOL_SOCKET, 55, 36))[0]',
        '    for i in range(4): tx.sendto(bytes(size), rx.getsockname())',
        '    after = struct.unpack("9I", rx.getsockopt(socket.SOL_SOCKET, 55, 36))[0]',
        '    costs.append((after - before) // 4)',
        'out(costs)',
      ].join('\n'),
    );
    const data = JSON.parse(run('--json').stdout);
    expect(data.probe.udpDatagramCost).toEqual([
      { payload: 64, charged: oracle[0] },
      { payload: 512, charged: oracle[1] },
      { payload: 1400, charged: oracle[2] },
    ]);
    const text = run().stdout;
    expect(text).toContain(
      `Measured on loopback now: 64 B takes ${oracle[0]} B, 512 B takes ${oracle[1]} B, 1400 B takes ${oracle[2]} B`,
    );
  });

  test('the report points clients to sockbuf.connect, and never says sizes before the handshake cannot be set', () => {
    const res = run();
    expect(res.stdout).toContain('use sockbuf.connect(...) (see README: Clients: sizes before the handshake)');
    expect(res.stdout).not.toMatch(/cannot|can't/i);
  });

  test('report --json carries the same limits as systemLimits()', () => {
    const res = run('--json');
    expect(res.status).toBe(0);
    const data = JSON.parse(res.stdout);
    expect(data.limits).toEqual(systemLimits());
    expect(data.probe.udp.result.recv.requested).toBe(16 * 1024 * 1024);
  });

  test('probe --json: a request under the cap is granted twice over on Linux', () => {
    const res = run('probe', '--recv', '64KiB', '--send', '32KiB', '--json');
    expect(res.status).toBe(0);
    const data = JSON.parse(res.stdout);
    expect(data.udp.result.recv).toMatchObject({ requested: 65536, effective: 131072, clamped: false });
    expect(data.tcp.result.send).toMatchObject({ requested: 32768, effective: 65536, clamped: false });
  });

  test('probe --force as root goes past the cap', () => {
    const res = run('probe', '--recv', String(rmemMax * 2), '--force', '--json');
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).udp.result.recv).toMatchObject({ forced: true, effective: rmemMax * 4 });
  });

  test('limits and recommend', () => {
    expect(JSON.parse(run('limits', '--json').stdout)).toEqual(systemLimits());
    const rec = run('recommend', '--bandwidth', '1Gbit', '--rtt', '80ms');
    expect(rec.status).toBe(0);
    expect(rec.stdout).toMatch(/bandwidth-delay product\s+9\.5 MiB/);
    expect(JSON.parse(run('recommend', '--bandwidth', '1Gbit', '--rtt', '80ms', '--json').stdout).bdpBytes).toBe(1e7);
  });

  test.each([
    ['100Mb/s', 1e8],
    ['100MB/s', 8e8],
    ['100MBps', 8e8],
    ['100Mbps', 1e8],
  ])('recommend --bandwidth %s reads %d bit/s', (rate, bits) => {
    const res = run('recommend', '--bandwidth', rate, '--rtt', '10ms', '--json');
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).bandwidthBitsPerSecond).toBe(bits);
  });

  test.each([
    [['bogus'], /Unknown command "bogus"/],
    [['probe'], /probe needs --recv/],
    [['probe', '--recv', '12 parsecs'], /Invalid size/],
    [['recommend', '--bandwidth', '1Gbit'], /needs --bandwidth and --rtt/],
    [['recommend', '--bandwidth', 'fast', '--rtt', '1ms'], /Invalid rate/],
    [['recommend', '--bandwidth', '100M', '--rtt', '1ms'], /Invalid rate "100M": say bits or bytes per second/],
    [['--nope'], /Unknown option/],
  ])('usage error %j exits 2 with a message', (args, message) => {
    const res = run(...args);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stdout).toBe('');
  });

  test('--help and --version', () => {
    expect(run('--help').stdout).toMatch(/^Usage: sockbuf/);
    expect(run('--version').stdout.trim()).toBe(require('../package.json').version);
  });
});
