// UDP sizing in datagrams: the recommended buffer, applied to a receiver
// whose event loop stalls for the pause while a child process sends at the
// rate, loses nothing (SO_MEMINFO drops and `ss -uam`), and is not wasteful:
// a buffer of 1/1.5 of it loses datagrams in the same test.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { getRecvBufferSize, measureDatagramCost, recommendUdpBuffer, setRecvBufferSize, socketMemory } from '../lib';
import { boundUdp, closeAll, fixtures, pythonSync } from './helpers';

afterEach(closeAll);
jest.setTimeout(120_000);

const RATE = 5000; // datagrams per second
const PAYLOAD = 64;
const PAUSE = 0.3; // seconds

/** ss -uam's drop counter (skmem d) for the socket bound to `port`. */
function ssDrops(port: number): number {
  const res = spawnSync('ss', ['-uamnH', `( sport = :${port} )`], { encoding: 'utf8' });
  const m = /skmem:\([^)]*\bd(\d+)\)/.exec(res.stdout);
  if (!m) throw new Error(`no skmem in ss output: ${res.stdout}`);
  return Number(m[1]);
}

/** Blocks this thread (and so the event loop) for `ms` milliseconds. */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

interface Trial {
  drops: number;
  ssDrops: number;
  received: number;
  sent: number;
  kernelBuffer: number;
}

/** A receiver with `bytes` of buffer; a child sends at RATE; the receiver stalls for PAUSE. */
async function trial(bytes: number): Promise<Trial> {
  const receiver = await boundUdp();
  setRecvBufferSize(receiver, bytes, { force: true });
  let received = 0;
  receiver.on('message', () => received++);
  const port = receiver.address().port;
  const count = Math.round(RATE * (PAUSE + 0.5));
  const child = spawn(
    process.execPath,
    [path.join(fixtures, 'udp-pacer.js'), String(port), String(RATE), String(PAYLOAD), String(count)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve) => {
    const check = (): void => (out.includes('go') ? resolve() : void setTimeout(check, 5));
    check();
  });
  await new Promise((r) => setTimeout(r, 150)); // steady state: reading as they come
  const before = socketMemory(receiver).drops;
  stall(PAUSE * 1000);
  await once(child, 'exit');
  // Let the receiver read what is queued.
  for (let i = 0; i < 100 && received + socketMemory(receiver).drops - before < count; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const sent = Number(/sent (\d+)/.exec(out)?.[1]);
  return {
    drops: socketMemory(receiver).drops - before,
    ssDrops: ssDrops(port),
    received,
    sent,
    kernelBuffer: getRecvBufferSize(receiver),
  };
}

test('measureDatagramCost: the receive memory of queued datagrams, as SO_MEMINFO and ss count it', async () => {
  const small = await measureDatagramCost(64);
  expect(small.payloadBytes).toBe(64);
  expect(small.datagrams).toBe(32);
  // More than the payload: an sk_buff and its headers come with each one.
  expect(small.bytesPerDatagram).toBeGreaterThan(64 + 28);
  const big = await measureDatagramCost(8000, { datagrams: 8 });
  expect(big.bytesPerDatagram).toBeGreaterThan(8000);
  expect(big.bytesPerDatagram).toBeGreaterThan(small.bytesPerDatagram);
  // The same cost, counted independently: a socket that does not read,
  // filled by Python while this event loop is blocked, as ss reports it.
  const sock = await boundUdp();
  setRecvBufferSize(sock, 1 << 20);
  const port = sock.address().port;
  const res = pythonSync(
    [
      '-c',
      `import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor i in range(50): s.sendto(b'x' * 64, ('127.0.0.1', ${port}))`,
    ],
    { encoding: 'utf8' },
  );
  expect(res.status).toBe(0);
  const ss = spawnSync('ss', ['-uamnH', `( sport = :${port} )`], { encoding: 'utf8' }).stdout;
  const r = Number(/skmem:\(r(\d+)/.exec(ss)?.[1]);
  expect(r / 50).toBe(small.bytesPerDatagram);
  expect(socketMemory(sock).recvAllocated).toBe(r);
  // Arguments.
  await expect(measureDatagramCost(-1)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
  await expect(measureDatagramCost(65508)).rejects.toMatchObject({ code: 'ERR_OUT_OF_RANGE' });
  await expect(measureDatagramCost('64' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  await expect(measureDatagramCost(64, { family: 'udp5' as never })).rejects.toMatchObject({
    code: 'ERR_INVALID_ARG_TYPE',
  });
});

test('recommendUdpBuffer: no drop during a pause at the rate, and 1/1.5 of it loses datagrams', async () => {
  const rec = await recommendUdpBuffer({ rate: RATE, payload: PAYLOAD, pause: PAUSE });
  expect(rec.datagrams).toBe(Math.ceil(RATE * PAUSE * 1.25));
  expect(rec.kernelBytes).toBe(rec.datagrams * rec.cost.bytesPerDatagram);
  expect(rec.udpBufferBytes).toBe(Math.ceil(rec.kernelBytes / 2));
  expect(rec.notes.join(' ')).toMatch(/socketMemory/);

  // Enough: zero drops, by the kernel's counter and by ss, every datagram read.
  let enough: Trial | undefined;
  for (let i = 0; i < 3; i++) {
    enough = await trial(rec.udpBufferBytes);
    if (enough.drops === 0) break;
    await closeAll();
  }
  expect(enough!.kernelBuffer).toBe(2 * rec.udpBufferBytes);
  expect(enough!.drops).toBe(0);
  expect(enough!.ssDrops).toBe(0);
  expect(enough!.received).toBe(enough!.sent);

  // Not wasteful: the smallest lossless size is more than rec / 1.5, so a
  // buffer just under it loses datagrams (a descheduled sender can spare it
  // once: retried).
  let tooSmall: Trial | undefined;
  for (let i = 0; i < 3; i++) {
    tooSmall = await trial(Math.floor((rec.udpBufferBytes / 1.5) * 0.97));
    if (tooSmall.drops > 0) break;
    await closeAll();
  }
  expect(tooSmall!.drops).toBeGreaterThan(0);
  expect(tooSmall!.ssDrops).toBe(tooSmall!.drops);
  expect(tooSmall!.received + tooSmall!.drops).toBe(tooSmall!.sent);
});

test('recommendUdpBuffer: arguments are checked before anything is measured', async () => {
  await expect(recommendUdpBuffer(undefined as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  await expect(recommendUdpBuffer({ rate: 0, payload: 64, pause: 1 })).rejects.toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
  await expect(recommendUdpBuffer({ rate: 10, payload: 64, pause: -1 })).rejects.toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
  await expect(recommendUdpBuffer({ rate: 10, payload: 1.5, pause: 1 })).rejects.toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
  await expect(recommendUdpBuffer({ rate: 10, payload: 64, pause: 1, headroom: 0.5 })).rejects.toMatchObject({
    code: 'ERR_OUT_OF_RANGE',
  });
  await expect(recommendUdpBuffer({ rate: '10' as never, payload: 64, pause: 1 })).rejects.toMatchObject({
    code: 'ERR_INVALID_ARG_TYPE',
  });
});
