// What limited a TCP sender over an interval: its send buffer, the peer's
// receive window, the network (congestion window), or the application.
//
// The kernel's chronographs (tcpi_busy_time, tcpi_rwnd_limited,
// tcpi_sndbuf_limited) split the time the connection had data in flight.
// They miss one case that matters for Node: with non-blocking writes, a small
// send buffer empties, the kernel marks the flow application-limited, and
// waits for the event loop to refill it, while Node holds the rest of the
// data (socket.writableLength). So the time the kernel calls idle is counted
// against the send buffer whenever the program had data waiting, and so is
// the time in flight when the buffer cannot even hold the congestion window.
import { performance } from 'node:perf_hooks';
import { constant } from './constants.js';
import { invalidArgType, invalidArgValue, unavailable } from './errors.js';
import { ErrorCodes } from './codes.js';
import type * as net from 'node:net';
import { socketMemoryFd, type SocketMemory } from './observe.js';
import { getIntFd } from './raw.js';
import { resolveFd, type SocketLike } from './resolve.js';
import { bufferCap } from './limits.js';
import { tcpInfoFd, type TcpInfo } from './tcpinfo.js';
import { validateOptions } from './validate.js';
import { formatBytes } from './units.js';

/**
 * One observation of a connection, the `sample` of a Diagnosis. Pass it (or
 * the whole Diagnosis) back as `previous` to diagnose the interval since.
 */
export interface TcpSample {
  /** When it was taken: performance.now() in milliseconds (monotonic, this process only). */
  time: number;
  /** The kernel's TCP_INFO at that moment (see tcpInfo). */
  info: TcpInfo;
  /** SO_SNDBUF as the kernel holds it (Linux: twice what was asked), bytes (SO_MEMINFO sndbuf). */
  sendBuffer: number;
  /** Bytes the send queue holds, truesize included (SO_MEMINFO wmem_queued). */
  sendQueued: number;
  /** net.Socket only: bytes Node holds because the kernel did not take them yet (writableLength). */
  nodeQueued?: number;
  /** net.Socket only: Node's writableNeedDrain (write() returned false and 'drain' has not come). */
  nodeNeedDrain?: boolean;
}

export type Verdict = 'send-buffer' | 'receive-window' | 'network' | 'application';

/** Fractions (0 to 1) of a span of time. */
export interface Shares {
  /** The program gave the kernel nothing to send. */
  application: number;
  /** The local send buffer held the sender back. */
  sendBuffer: number;
  /** The peer's receive window held the sender back. */
  receiveWindow: number;
  /** Data in flight, limited by neither buffer: the congestion window, pacing, the path. */
  network: number;
}

export interface Diagnosis {
  /** What limited the sender most. */
  verdict: Verdict;
  /** One line for a person. */
  sentence: string;
  /** Length of the interval in seconds; null when it runs from the connection's start (no `previous`). */
  seconds: number | null;
  /**
   * The verdict's split of the interval (sums to 1). Without `previous` the
   * idle time is unknown and these are shares of the busy time instead.
   */
  shares: Shares;
  /**
   * The kernel's own split, as `ss -ti` prints it: `busy` is the busy time
   * over the interval (null without `previous`), the others are shares of
   * the busy time (rwnd_limited / busy, sndbuf_limited / busy, the rest).
   */
  kernel: { busy: number | null; receiveWindow: number; sendBuffer: number; other: number };
  /** Bytes acknowledged by the peer during the interval, and per second (null without `previous`). */
  bytesAcked: number;
  throughput: number | null;
  /**
   * When a buffer is the answer: the size to pass to setSendBufferSize (this
   * socket, verdict send-buffer) or to setRecvBufferSize (the receiving
   * socket, verdict receive-window), in bytes. The largest of the measured
   * delivery rate × RTT, the congestion window, and twice the current size
   * (a buffer-limited connection cannot show the rate it would reach with
   * more), rounded up to 4 KiB. Otherwise undefined.
   */
  suggestedBytes?: number;
  /** The observation at the end of the interval: pass it (or this object) as `previous` next time. */
  sample: TcpSample;
}

interface Baseline {
  time: number;
  busyTime: number;
  rwndLimited: number;
  sndbufLimited: number;
  bytesAcked: number;
}

function num(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw invalidArgValue(name, 'must be a sample returned by diagnose() (a non-negative number)', value);
  }
  return value;
}

/** Reads `previous` (a Diagnosis or a TcpSample) once, into plain numbers. */
function readPrevious(previous: unknown): Baseline | undefined {
  if (previous === undefined) return undefined;
  if (previous === null || typeof previous !== 'object') {
    throw invalidArgType('previous', 'a Diagnosis or TcpSample returned by diagnose()', previous);
  }
  validateOptions(previous, 'previous');
  const nested = (previous as { sample?: unknown }).sample;
  const sample = (nested ?? previous) as { time?: unknown; info?: unknown };
  const time = sample.time;
  const info = sample.info;
  if (info === null || typeof info !== 'object') {
    throw invalidArgValue('previous', 'must be a Diagnosis or TcpSample returned by diagnose()', previous);
  }
  const i = info as Record<string, unknown>;
  return {
    time: num(time, 'previous.time'),
    busyTime: num(i.busyTime, 'previous.info.busyTime'),
    rwndLimited: num(i.rwndLimited, 'previous.info.rwndLimited'),
    sndbufLimited: num(i.sndbufLimited, 'previous.info.sndbufLimited'),
    bytesAcked: num(i.bytesAcked, 'previous.info.bytesAcked'),
  };
}

// node:net is loaded on the first call: a program that passes a net.Socket has loaded it.
let NetSocket: typeof net.Socket | undefined;
function isNetSocket(value: unknown): value is net.Socket {
  if (typeof value !== 'object' || value === null) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  NetSocket ??= (require('node:net') as typeof net).Socket;
  return value instanceof NetSocket;
}

function takeSample(fd: number, nodeQueued: number | undefined, nodeNeedDrain: boolean | undefined): TcpSample {
  const info = tcpInfoFd(fd);
  const time = performance.now();
  let sendBuffer: number;
  let sendQueued: number;
  let mem: SocketMemory | undefined;
  try {
    mem = socketMemoryFd(fd);
  } catch (err) {
    // No SO_MEMINFO here (macOS), or a short answer (an emulator).
    if ((err as { code?: unknown }).code !== ErrorCodes.UNAVAILABLE) throw err;
  }
  if (mem !== undefined) {
    sendBuffer = mem.sendBuffer;
    sendQueued = mem.sendQueued;
  } else {
    sendBuffer = getIntFd(fd, constant('SOL_SOCKET'), constant('SO_SNDBUF'));
    sendQueued = info.sndSbBytes ?? 0;
  }
  const sample: TcpSample = { time, info, sendBuffer, sendQueued };
  if (nodeQueued !== undefined) sample.nodeQueued = nodeQueued;
  if (nodeNeedDrain !== undefined) sample.nodeNeedDrain = nodeNeedDrain;
  return sample;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;
const roundUp4k = (n: number): number => Math.ceil(n / 4096) * 4096;

/** Linux keeps twice what was asked (half for bookkeeping): the value that was passed. */
function asked(kernelValue: number): number {
  return process.platform === 'linux' ? kernelValue / 2 : kernelValue;
}

/**
 * What limited this TCP sender since `previous` (an earlier Diagnosis or its
 * `sample`), or since the connection began when `previous` is omitted.
 * Pass a net.Socket to let it weigh what Node holds back (writableLength).
 */
export function diagnose(sock: SocketLike, previous?: Diagnosis | TcpSample): Diagnosis {
  const base = readPrevious(previous);
  let nodeQueued: number | undefined;
  let nodeNeedDrain: boolean | undefined;
  if (isNetSocket(sock)) {
    nodeQueued = sock.writableLength;
    nodeNeedDrain = sock.writableNeedDrain;
  }
  const fd = resolveFd(sock);
  const sample = takeSample(fd, nodeQueued, nodeNeedDrain);
  const info = sample.info;
  if (info.state === 'listen') {
    throw invalidArgValue('sock', 'must be a connected TCP socket, not a listening one', sock);
  }
  if (info.busyTime === undefined || info.bytesAcked === undefined) {
    throw unavailable('diagnose (this kernel reports no tcpi_busy_time: Linux 4.10 or later is needed)');
  }
  if (base !== undefined && (info.busyTime < base.busyTime || info.bytesAcked < base.bytesAcked)) {
    throw invalidArgValue(
      'previous',
      'must be a sample of this same connection (its counters are ahead of this one)',
      previous,
    );
  }
  const busy = info.busyTime - (base?.busyTime ?? 0);
  const rwnd = Math.max(0, Math.min(busy, (info.rwndLimited ?? 0) - (base?.rwndLimited ?? 0)));
  const sndbuf = Math.max(0, Math.min(busy - rwnd, (info.sndbufLimited ?? 0) - (base?.sndbufLimited ?? 0)));
  const other = busy - rwnd - sndbuf;
  const elapsed = base === undefined ? null : Math.max(1, (sample.time - base.time) * 1000); // µs
  // The kernel counts busy time in jiffies: never more than the interval.
  const idle = elapsed === null ? 0 : Math.max(0, elapsed - busy);
  const span = elapsed === null ? busy : Math.max(elapsed, busy);

  // Did the program have more data than the kernel would take?
  const pending = (sample.nodeQueued ?? 0) > 0 || (sample.sendQueued > 0 && sample.sendQueued >= sample.sendBuffer / 2);
  // Can the send buffer hold the congestion window at all?
  const cwndBytes = info.sndCwndBytes ?? 0;
  const bufferBelowCwnd = sample.sendBuffer > 0 && asked(sample.sendBuffer) < cwndBytes;

  const t = { application: 0, sendBuffer: sndbuf, receiveWindow: rwnd, network: 0 };
  if (pending) t.sendBuffer += idle;
  else t.application += idle;
  if (pending && bufferBelowCwnd) t.sendBuffer += other;
  else t.network += other;
  const shares: Shares =
    span > 0
      ? {
          application: t.application / span,
          sendBuffer: t.sendBuffer / span,
          receiveWindow: t.receiveWindow / span,
          network: t.network / span,
        }
      : { application: 1, sendBuffer: 0, receiveWindow: 0, network: 0 };
  if (span === 0 && pending) {
    shares.application = 0;
    shares.sendBuffer = 1;
  }
  const order: Verdict[] = ['send-buffer', 'receive-window', 'network', 'application'];
  const shareOf = (v: Verdict): number =>
    v === 'send-buffer'
      ? shares.sendBuffer
      : v === 'receive-window'
        ? shares.receiveWindow
        : v === 'network'
          ? shares.network
          : shares.application;
  let verdict = order.reduce((best, v) => (shareOf(v) > shareOf(best) ? v : best), 'application' as Verdict);
  if (elapsed === null && !pending && busy === 0) verdict = 'application';

  const bytesAcked = info.bytesAcked - (base?.bytesAcked ?? 0);
  const throughput = elapsed === null ? null : bytesAcked / (elapsed / 1e6);
  const rtt = (info.rtt ?? 0) / 1e6;
  // An application-limited sample's delivery rate is the rate of one burst
  // (on loopback, GB/s), not what the path sustains: use the measured
  // throughput then.
  const burstRate = info.deliveryRateAppLimited === true ? 0 : (info.deliveryRate ?? 0);
  const rate = Math.max(burstRate, throughput ?? 0);
  const bdp = rate * rtt;
  let suggestedBytes: number | undefined;
  let sentence: string;
  const share = pct(shareOf(verdict));
  const waiting = sample.nodeQueued ? ` while Node held ${formatBytes(sample.nodeQueued)} back` : '';
  switch (verdict) {
    case 'send-buffer': {
      const current = asked(sample.sendBuffer);
      // A buffer-limited sender cannot show what it would reach with more:
      // at least double it, and at least one BDP of what was measured.
      suggestedBytes = roundUp4k(Math.max(bdp, 2 * current));
      const cap = bufferCap('send');
      const past =
        cap !== null && suggestedBytes > cap
          ? ` (past net.core.wmem_max, ${formatBytes(cap)}: raise it, or use force)`
          : '';
      sentence =
        `Send buffer: this socket's ${formatBytes(current)} send buffer held the sender back ${share} of the time${waiting}; ` +
        `give it at least ${formatBytes(suggestedBytes)}${past} (setSendBufferSize), or do not set it so that autotuning can grow it.`;
      break;
    }
    case 'receive-window': {
      const window = info.sndWnd ?? 0;
      suggestedBytes = roundUp4k(Math.max(bdp, 2 * window, 4096));
      sentence =
        `Receive window: the peer's ${formatBytes(window)} window held the sender back ${share} of the time; ` +
        `the receiver reads more slowly than this side sends, or its receive buffer is too small ` +
        `(if the receiver set its size, give it at least ${formatBytes(suggestedBytes)} with setRecvBufferSize, before it connects or listens; ` +
        `if it is autotuned, let it grow: a fixed size would turn autotuning off, so raise tcp_rmem's max instead).`;
      break;
    }
    case 'network':
      sentence =
        `Network: data was in flight, limited by the congestion window (${info.sndCwnd ?? '?'} segments) and the path, ${share} of the time; ` +
        `the buffers are not the bottleneck.`;
      break;
    default:
      sentence =
        `Application: the program gave the kernel nothing to send ${share} of the time; ` +
        `the buffers are not the bottleneck.`;
  }
  const result: Diagnosis = {
    verdict,
    sentence,
    seconds: elapsed === null ? null : elapsed / 1e6,
    shares,
    kernel: {
      busy: elapsed === null ? null : Math.min(1, busy / elapsed),
      receiveWindow: busy > 0 ? rwnd / busy : 0,
      sendBuffer: busy > 0 ? sndbuf / busy : 0,
      other: busy > 0 ? other / busy : 0,
    },
    bytesAcked,
    throughput,
    sample,
  };
  if (suggestedBytes !== undefined) result.suggestedBytes = suggestedBytes;
  return result;
}
