// systemLimits against `sysctl -n` for every Linux key it reports, and an
// unreadable entry (hidden in a private mount namespace) reported as null.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { systemLimits } from '../lib';
import { sysctl } from './helpers';

const dist = path.join(__dirname, '..', 'dist');

const num = (key: string): number | null => {
  const v = sysctl(key);
  return v === null ? null : Number(v.split(/\s+/)[0]);
};
const fields = (key: string): (number | null)[] => {
  const v = sysctl(key);
  return v === null ? [null, null, null] : v.split(/\s+/).map(Number);
};
// A file of this test run's own to bind over a procfs entry: CI runs the
// suite in several processes at once. The folder goes when the suite ends.
const scratchDirs: string[] = [];
const scratchFile = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sockbuf-limits-'));
  scratchDirs.push(dir);
  return path.join(dir, 'sysctl');
};
afterAll(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const flag = (key: string): boolean | null => {
  const v = num(key);
  return v === null ? null : v !== 0;
};

test('every Linux value equals sysctl -n', () => {
  const limits = systemLimits();
  const rmem = fields('net.ipv4.tcp_rmem');
  const wmem = fields('net.ipv4.tcp_wmem');
  const tcpMem = fields('net.ipv4.tcp_mem');
  const udpMem = fields('net.ipv4.udp_mem');
  expect(limits).toEqual({
    platform: 'linux',
    source: 'procfs',
    recvMax: num('net.core.rmem_max'),
    sendMax: num('net.core.wmem_max'),
    recvDefault: num('net.core.rmem_default'),
    sendDefault: num('net.core.wmem_default'),
    optionMemoryMax: num('net.core.optmem_max'),
    tcp: {
      recv: { min: rmem[0], default: rmem[1], max: rmem[2] },
      send: { min: wmem[0], default: wmem[1], max: wmem[2] },
      memoryPages: { low: tcpMem[0], pressure: tcpMem[1], high: tcpMem[2] },
      windowScaling: flag('net.ipv4.tcp_window_scaling'),
      autotuning: flag('net.ipv4.tcp_moderate_rcvbuf'),
      advWinScale: num('net.ipv4.tcp_adv_win_scale'),
    },
    udp: {
      memoryPages: { low: udpMem[0], pressure: udpMem[1], high: udpMem[2] },
      recvMin: num('net.ipv4.udp_rmem_min'),
      sendMin: num('net.ipv4.udp_wmem_min'),
      recvDefault: null,
      maxDatagram: null,
    },
  });
  // The oracle really read numbers (not a null == null tautology).
  expect(limits.recvMax).toBeGreaterThan(0);
  expect(limits.tcp.recv.max).toBeGreaterThan(0);
  expect(limits.udp.memoryPages.high).toBeGreaterThan(0);
});

test('entries hidden from the process are null, never a throw', () => {
  // A private mount namespace: an empty tmpfs hides net.ipv4 and an empty
  // file replaces rmem_max, for the child only.
  const script = `const l = require(${JSON.stringify(dist)}).systemLimits(); console.log(JSON.stringify(l));`;
  const empty = scratchFile();
  const shell = [
    'set -e',
    'mount -t tmpfs none /proc/sys/net/ipv4',
    'touch "$EMPTY_FILE"',
    'mount --bind "$EMPTY_FILE" /proc/sys/net/core/rmem_max',
    `exec "${process.execPath}" -e "$SCRIPT"`,
  ].join('\n');
  const res = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', shell], {
    encoding: 'utf8',
    env: { ...process.env, SCRIPT: script, EMPTY_FILE: empty },
  });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  const limits = JSON.parse(res.stdout);
  expect(limits.recvMax).toBeNull();
  expect(limits.tcp.recv).toEqual({ min: null, default: null, max: null });
  expect(limits.tcp.windowScaling).toBeNull();
  expect(limits.udp.recvMin).toBeNull();
  // What was not hidden is still read.
  expect(limits.sendMax).toBe(num('net.core.wmem_max'));
});

test('the cap in set reports follows an administrator change within the refresh period, without a read per set', () => {
  // A private mount namespace where rmem_max is a file the child rewrites:
  // the first set reads it, the next sets use the cached value, and the
  // refresh timer brings the new value while the event loop runs.
  const script = `
    const fs = require('node:fs');
    const dgram = require('node:dgram');
    const { setRecvBufferSize } = require(${JSON.stringify(dist)});
    const sock = dgram.createSocket('udp4');
    sock.bind(0, '127.0.0.1', async () => {
      const out = [setRecvBufferSize(sock, 4096).limit];
      fs.writeFileSync(process.env.CAP_FILE, '222222\\n');
      out.push(setRecvBufferSize(sock, 4096).limit);
      let polls = 0;
      while (setRecvBufferSize(sock, 4096).limit !== 222222 && polls++ < 200) await new Promise((r) => setTimeout(r, 50));
      out.push(setRecvBufferSize(sock, 4096).limit);
      console.log(JSON.stringify(out));
      sock.close();
    });`;
  const capFile = scratchFile();
  const shell = [
    'set -e',
    'echo 111111 > "$CAP_FILE"',
    'mount --bind "$CAP_FILE" /proc/sys/net/core/rmem_max',
    `exec "${process.execPath}" -e "$SCRIPT"`,
  ].join('\n');
  const res = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', shell], {
    encoding: 'utf8',
    env: { ...process.env, SCRIPT: script, CAP_FILE: capFile },
  });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  expect(JSON.parse(res.stdout)).toEqual([111111, 111111, 222222]);
});
