// diagnose() on real loopback transfers, each built to be limited by one
// thing, with the kernel's split checked against `ss -tin` over the same
// interval.
import { once } from 'node:events';
import * as net from 'node:net';
import { diagnose, setRecvBufferSize, setSendBufferSize, type Diagnosis } from '../lib';
import { boundUdp, closeAll, codeOf, listeningServer, portOf, tcpPair, track } from './helpers';
import { ssInfo, ssMs } from './ss';

afterEach(closeAll);
jest.setTimeout(60_000);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Run {
  result: Diagnosis;
  /** ss's busy / rwnd_limited / sndbuf_limited growth over the interval, ms, and the wall time around it. */
  ss: { busy: number; rwnd: number; sndbuf: number; wallMs: number };
}

/** Diagnoses `client` over ~`ms` milliseconds, with ss read just outside both ends. */
async function observe(client: net.Socket, ms: number): Promise<Run> {
  const read = (): Record<string, string> => ssInfo(client.localPort as number, client.remotePort as number);
  const t0 = performance.now();
  const s0 = read();
  const first = diagnose(client);
  await sleep(ms);
  const result = diagnose(client, first);
  const s1 = read();
  const wallMs = performance.now() - t0;
  return {
    result,
    ss: {
      busy: ssMs(s1.busy) - ssMs(s0.busy),
      rwnd: ssMs(s1.rwnd_limited) - ssMs(s0.rwnd_limited),
      sndbuf: ssMs(s1.sndbuf_limited) - ssMs(s0.sndbuf_limited),
      wallMs,
    },
  };
}

/** The kernel's shares in the diagnosis agree with ss's over (nearly) the same interval. */
function expectSharesMatchSs(run: Run): void {
  const { result, ss } = run;
  expect(result.seconds).not.toBeNull();
  // ss's interval encloses diagnose's by the time two ss runs take.
  expect(result.kernel.busy!).toBeGreaterThanOrEqual(ss.busy / ss.wallMs - 0.15);
  expect(result.kernel.busy!).toBeLessThanOrEqual(ss.busy / (result.seconds! * 1000) + 0.15);
  if (ss.busy >= 50) {
    expect(Math.abs(result.kernel.receiveWindow - ss.rwnd / ss.busy)).toBeLessThan(0.1);
    expect(Math.abs(result.kernel.sendBuffer - ss.sndbuf / ss.busy)).toBeLessThan(0.1);
  } else {
    // Too little busy time for a ratio in whole milliseconds: compare the amounts.
    expect(Math.abs(result.kernel.receiveWindow * result.kernel.busy! * result.seconds! * 1000 - ss.rwnd)).toBeLessThan(
      10,
    );
  }
  const sum = Object.values(result.shares).reduce((a, b) => a + b, 0);
  expect(sum).toBeCloseTo(1, 6);
}

/** Runs `attempt` up to three times until the verdict is `want` (a busy machine can spoil one run). */
async function verdictOf(want: string, attempt: () => Promise<Run>): Promise<Run> {
  let run: Run | undefined;
  for (let i = 0; i < 3; i++) {
    run = await attempt();
    if (run.result.verdict === want) break;
    await closeAll();
  }
  return run!;
}

/** A sender that keeps Node's write queue full (writes until write() says stop, again on 'drain'). */
function pump(client: net.Socket): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  const go = (): void => {
    while (!client.destroyed && client.write(chunk));
    if (!client.destroyed) client.once('drain', go);
  };
  go();
}

test('a 4 KiB send buffer to a fast reader: send-buffer, though the kernel counts no sndbuf_limited time', async () => {
  const run = await verdictOf('send-buffer', async () => {
    const { client, accepted } = await tcpPair();
    accepted.resume();
    setSendBufferSize(client, 4096);
    pump(client);
    await sleep(100);
    return observe(client, 1000);
  });
  const { result } = run;
  expect(result.verdict).toBe('send-buffer');
  expect(result.shares.sendBuffer).toBeGreaterThan(0.5);
  expect(result.sample.nodeQueued).toBeGreaterThan(0);
  expect(result.sample.sendBuffer).toBeLessThanOrEqual(16384);
  // What the issue measured: the kernel's own counter says nothing.
  expect(run.ss.sndbuf).toBe(0);
  expect(result.kernel.sendBuffer).toBe(0);
  expectSharesMatchSs(run);
  expect(result.suggestedBytes).toBeGreaterThanOrEqual(2 * 4096);
  expect(result.suggestedBytes! % 4096).toBe(0);
  expect(result.sentence).toMatch(/^Send buffer: .*setSendBufferSize/);
});

test('a small receive buffer read slowly: receive-window, the same share ss prints as rwnd_limited', async () => {
  const run = await verdictOf('receive-window', async () => {
    const server = await listeningServer(undefined, { pauseOnConnect: true });
    setRecvBufferSize(server, 4096);
    const acceptedP = once(server, 'connection') as Promise<[net.Socket]>;
    const client = track(net.connect(portOf(server), '127.0.0.1'));
    await once(client, 'connect');
    const [accepted] = await acceptedP;
    track(accepted);
    // Read one batch every 20 ms.
    const timer = setInterval(() => {
      accepted.resume();
      setImmediate(() => accepted.pause());
    }, 20);
    accepted.on('close', () => clearInterval(timer));
    client.on('close', () => clearInterval(timer));
    pump(client);
    await sleep(100);
    const r = await observe(client, 1000);
    clearInterval(timer);
    return r;
  });
  const { result } = run;
  expect(result.verdict).toBe('receive-window');
  expect(result.shares.receiveWindow).toBeGreaterThan(0.5);
  expect(run.ss.rwnd).toBeGreaterThan(0);
  expect(result.kernel.receiveWindow).toBeGreaterThan(0.5);
  expectSharesMatchSs(run);
  expect(result.suggestedBytes).toBeGreaterThanOrEqual(4096);
  expect(result.sentence).toMatch(/^Receive window: .*setRecvBufferSize/);
});

test('a sender that writes a little now and then: application', async () => {
  const run = await verdictOf('application', async () => {
    const { client, accepted } = await tcpPair();
    accepted.resume();
    const timer = setInterval(() => client.write(Buffer.alloc(1000, 2)), 20);
    client.on('close', () => clearInterval(timer));
    await sleep(100);
    const r = await observe(client, 1000);
    clearInterval(timer);
    return r;
  });
  const { result } = run;
  expect(result.verdict).toBe('application');
  expect(result.shares.application).toBeGreaterThan(0.5);
  expect(result.sample.nodeQueued).toBe(0);
  expect(result.bytesAcked).toBeGreaterThan(0);
  expect(result.suggestedBytes).toBeUndefined();
  expectSharesMatchSs(run);
});

test('previous: a Diagnosis or its sample; validated before the socket, and from the same connection', async () => {
  const { client, accepted } = await tcpPair();
  accepted.resume();
  client.write(Buffer.alloc(100_000));
  await sleep(50);
  const first = diagnose(client);
  expect(first.seconds).toBeNull();
  expect(first.kernel.busy).toBeNull();
  const bySample = diagnose(client, first.sample);
  const byDiagnosis = diagnose(client, first);
  expect(bySample.seconds).toBeGreaterThan(0);
  expect(byDiagnosis.seconds).toBeGreaterThanOrEqual(bySample.seconds!);
  // A sample of another connection that has moved more bytes is refused.
  const other = await tcpPair();
  other.accepted.resume();
  other.client.write(Buffer.alloc(1_000_000));
  await sleep(100);
  expect(codeOf(() => diagnose(client, diagnose(other.client)))).toBe('ERR_INVALID_ARG_VALUE');
  // Arguments first: a wrong `previous` is reported even for a closed socket.
  other.client.destroy();
  expect(codeOf(() => diagnose(other.client, 'x' as never))).toBe('ERR_INVALID_ARG_TYPE');
  expect(codeOf(() => diagnose(other.client, { time: 1 } as never))).toBe('ERR_INVALID_ARG_VALUE');
  expect(codeOf(() => diagnose(other.client))).toBe('ERR_SOCKBUF_CLOSED');
  // A getter on `previous` runs once, before any system call.
  let reads = 0;
  const sneaky = {
    get sample() {
      reads++;
      return first.sample;
    },
  };
  diagnose(client, sneaky as never);
  expect(reads).toBe(1);
  const udp = await boundUdp();
  expect(codeOf(() => diagnose(udp))).toBe('ENOTSUP');
  const server = await listeningServer();
  expect(codeOf(() => diagnose(server))).toBe('ERR_INVALID_ARG_VALUE');
});
