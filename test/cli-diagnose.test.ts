// `sockbuf diagnose` and `sockbuf recommend --udp`, run as users run them
// (node dist/cli.js; `npm test` compiles dist first).
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { measureDatagramCost } from '../lib';
import { parseDatagramRate } from '../lib/cli-diagnose';

const cli = path.join(__dirname, '..', 'dist', 'cli.js');
jest.setTimeout(60_000);

/** Runs the CLI without blocking this process's event loop. */
function run(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test.each([
  ['20000/s', 20000],
  ['20k/s', 20000],
  ['1.5M/s', 1.5e6],
  ['500', 500],
  ['300pps', 300],
])('datagram rate %s = %d per second', (text, n) => expect(parseDatagramRate(text)).toBe(n));

test('recommend --udp --json: udpBufferBytes from the datagrams of one pause and the cost measured here', async () => {
  const res = await run('recommend', '--udp', '--rate', '20000/s', '--payload', '64', '--pause', '500ms', '--json');
  expect(res.status).toBe(0);
  const out = JSON.parse(res.stdout) as {
    udpBufferBytes: number;
    datagrams: number;
    cost: { bytesPerDatagram: number };
  };
  expect(out.datagrams).toBe(Math.ceil(20000 * 0.5 * 1.25));
  // The cost, measured again in this process, is the same on the same machine.
  const cost = await measureDatagramCost(64);
  expect(out.cost.bytesPerDatagram).toBe(cost.bytesPerDatagram);
  expect(out.udpBufferBytes).toBe(Math.ceil((out.datagrams * cost.bytesPerDatagram) / 2));
});

test('recommend --udp in text: the number, how to apply it, and the loopback caveat', async () => {
  const res = await run('recommend', '--udp', '--rate', '1000/s', '--payload', '1400', '--pause', '200ms');
  expect(res.status).toBe(0);
  const n = /udpBufferBytes\s+(\d+)/.exec(res.stdout)?.[1];
  expect(Number(n)).toBeGreaterThan((250 * 1400) / 2);
  expect(res.stdout).toContain(`setRecvBufferSize(sock, ${n}`);
  expect(res.stdout).toMatch(/real network card can cost more per datagram/);
  expect(res.stdout).toMatch(/socketMemory\(sock\)/);
});

test('recommend --udp without its three options, or with a bad one, is a usage error', async () => {
  const missing = await run('recommend', '--udp', '--rate', '100/s');
  expect(missing.status).toBe(2);
  expect(missing.stderr).toMatch(/--rate, --payload and --pause/);
  const bad = await run('recommend', '--udp', '--rate', 'fast', '--payload', '64', '--pause', '1s');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/--rate: Invalid rate/);
  const huge = await run('recommend', '--udp', '--rate', '10/s', '--payload', '70000', '--pause', '1s');
  expect(huge.status).toBe(2);
});

/** Runs `sockbuf diagnose ... --json` up to three times until the verdict is `want`. */
async function verdict(want: string, ...args: string[]): Promise<{ verdict: string; sentence: string }> {
  let out = { verdict: '', sentence: '' };
  for (let i = 0; i < 3 && out.verdict !== want; i++) {
    const res = await run('diagnose', ...args, '--duration', '500ms', '--json');
    expect(res.status).toBe(0);
    out = JSON.parse(res.stdout) as typeof out;
  }
  return out;
}

test('diagnose --send 4KiB: a loopback transfer limited by its send buffer', async () => {
  const out = await verdict('send-buffer', '--send', '4KiB');
  expect(out.verdict).toBe('send-buffer');
  expect(out.sentence).toMatch(/^Send buffer: this socket's 4 KiB send buffer/);
});

test('diagnose --recv 4KiB --read-every 20ms: limited by the receive window; text output', async () => {
  const out = await verdict('receive-window', '--recv', '4KiB', '--read-every', '20ms');
  expect(out.verdict).toBe('receive-window');
  const text = await run('diagnose', '--recv', '4KiB', '--read-every', '20ms', '--duration', '300ms');
  expect(text.status).toBe(0);
  expect(text.stdout).toMatch(/receive buffer 4 KiB, reader reads every 20 ms/);
  expect(text.stdout).toMatch(/rwnd_limited\s+\d/);
});
