// The `sockbuf` command, run as users run it (node dist/cli.js), and the
// unit parsing behind its arguments.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { recommend } from '../lib/report';
import { systemLimits } from '../lib';
import { formatBytes, parseDuration, parseRate, parseSize } from '../lib/units';
import { sysctl } from './helpers';

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
    ['10Gbps', 1e10],
    ['125MB/s', 1e9],
  ])('rate %s = %d bit/s', (text, bits) => expect(parseRate(text)).toBe(bits));

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
  test('the bandwidth-delay product and the sizes that follow from it', () => {
    const limits = systemLimits();
    const r = recommend(1e9, 0.08, limits);
    expect(r.bdpBytes).toBe(10_000_000);
    expect(r.tcpBufferBytes).toBe(Math.ceil((2 * 10_000_000) / 4096) * 4096);
    expect(r.udpBufferBytes).toBe(Math.ceil(10_000_000 / 4096) * 4096);
    // The sysctl lines name exactly the limits that are too small now.
    expect(r.sysctl.some((l) => l.startsWith('net.core.rmem_max'))).toBe(limits.recvMax! < r.tcpBufferBytes);
    expect(r.fitsUdp).toBe(limits.recvMax! >= r.udpBufferBytes);
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
    [['bogus'], /Unknown command "bogus"/],
    [['probe'], /probe needs --recv/],
    [['probe', '--recv', '12 parsecs'], /Invalid size/],
    [['recommend', '--bandwidth', '1Gbit'], /needs --bandwidth and --rtt/],
    [['recommend', '--bandwidth', 'fast', '--rtt', '1ms'], /Invalid rate/],
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
