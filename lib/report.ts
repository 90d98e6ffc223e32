// What the CLI reports: the limits, what real sockets get for a request, and
// buffer sizes for a bandwidth-delay product. Kept apart from argument
// parsing and printing so that it can be tested and reused.
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import { systemLimits, type SystemLimits } from './limits.js';
import {
  getBufferSizes,
  setBufferSizes,
  type BufferSizeReport,
  type BufferSizes,
  type BufferSizesReport,
} from './sizes.js';
import { formatBytes } from './units.js';
import { measureDatagramCost } from './udpsizing.js';

export interface ProbeRequest {
  recv?: number;
  send?: number;
  force: boolean;
}

export interface SocketProbe {
  /**
   * SO_RCVBUF / SO_SNDBUF of a fresh socket nobody set, as getsockopt reports
   * them (Linux: TCP starts at tcp_rmem[1] / tcp_wmem[1], UDP at
   * rmem_default / wmem_default, not doubled). For TCP: the listening socket.
   */
  defaults: BufferSizes;
  /**
   * TCP only: the connected client before the request. The kernel grows a
   * connected TCP socket's send buffer by itself (send autotuning), so this
   * is not a default.
   */
  connected?: BufferSizes;
  /** What the request got. */
  result: BufferSizesReport;
}

/** What one queued datagram costs a UDP receive buffer. */
export interface DatagramCost {
  /** Payload bytes. */
  payload: number;
  /** Bytes of receive buffer the kernel charged for it (SO_MEMINFO's recvAllocated per datagram). */
  charged: number;
}

export interface ProbeResult {
  request: ProbeRequest;
  /** Measured on loopback (Linux SO_MEMINFO); null where it cannot be measured. */
  udpDatagramCost: DatagramCost[] | null;
  /** A TCP listening socket (fresh) and a connected client on loopback (the request goes to the client). */
  tcp: SocketProbe;
  /** A bound UDP socket on loopback. */
  udp: SocketProbe;
}

/** Opens a TCP connection and a UDP socket on loopback, applies the request to each, and closes them. */
export async function probe(request: ProbeRequest): Promise<ProbeResult> {
  const server = net.createServer((s) => s.destroy());
  const udp = dgram.createSocket('udp4');
  let client: net.Socket | undefined;
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // Nothing was set on the listening socket: it has a TCP socket's defaults.
    const tcpDefaults = getBufferSizes(server);
    client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    const tcpConnected = getBufferSizes(client);
    const udpDefaults = getBufferSizes(udp);
    const udpDatagramCost = await datagramCost();
    return {
      request,
      udpDatagramCost,
      tcp: { defaults: tcpDefaults, connected: tcpConnected, result: setBufferSizes(client, request) },
      udp: { defaults: udpDefaults, result: setBufferSizes(udp, request) },
    };
  } finally {
    client?.destroy();
    udp.close();
    server.close();
  }
}

const DATAGRAM_PAYLOADS = [64, 512, 1400];

/**
 * What a datagram of each payload size costs a receive buffer here, measured
 * by udpsizing's measureDatagramCost; null where it cannot be measured (no
 * SO_MEMINFO, or nothing stayed queued).
 */
async function datagramCost(): Promise<DatagramCost[] | null> {
  if (process.platform !== 'linux') return null;
  const costs: DatagramCost[] = [];
  try {
    for (const payload of DATAGRAM_PAYLOADS) {
      const cost = await measureDatagramCost(payload, { datagrams: 4 });
      costs.push({ payload, charged: cost.bytesPerDatagram });
    }
  } catch {
    return null;
  }
  return costs;
}

/** Whether the cap was the reason: the request exceeded it. */
export function exceededCap(report: BufferSizeReport): boolean {
  return report.limit !== null && report.requested > report.limit;
}

/** How TCP can get the buffer a path needs, on one side (receive or send). */
export interface TcpSide {
  /** Autotuning's ceiling: tcp_rmem / tcp_wmem max (macOS autorcvbufmax / autosndbufmax); null when unreadable. */
  autotuningMax: number | null;
  /** Autotuning grows a connection far enough by itself (and is on). */
  autotuningReaches: boolean;
  /** The cap of a fixed size (net.core.rmem_max / wmem_max; macOS kern.ipc.maxsockbuf). */
  fixedCap: number | null;
  /** A fixed request of `fixedRequest` bytes would be granted in full. */
  fixedFits: boolean;
  /**
   * autotuning: leave this side alone. sysctl-or-fixed: raise the autotuning
   * max, or where you cannot, set a fixed size. sysctl: only a sysctl change
   * helps (autotuning's max and a fixed size's cap are both too low).
   */
  advice: TcpVerdict;
}

/**
 * - autotuning: leave the sockets alone; the limits already let autotuning reach the need.
 * - sysctl: raise the autotuning max (the best fix); a fixed size is no way out either, as its cap is too low.
 * - sysctl-or-fixed: raise the autotuning max; where you cannot, a fixed size of about one BDP fits the cap.
 */
export type TcpVerdict = 'autotuning' | 'sysctl' | 'sysctl-or-fixed';

export interface TcpAdvice {
  /**
   * Buffer memory a connection needs to keep the pipe full. Linux counts its
   * packet bookkeeping against the same buffer and offers about half of it
   * as the window, so about twice the BDP; elsewhere about the BDP.
   */
  bufferNeeded: number;
  /** What to request for a fixed size, if one is the answer: about one BDP (Linux doubles a request). */
  fixedRequest: number;
  recv: TcpSide;
  send: TcpSide;
  verdict: TcpVerdict;
}

export interface Recommendation {
  bandwidthBitsPerSecond: number;
  rttSeconds: number;
  /** Bandwidth-delay product: bytes in flight on a full pipe. */
  bdpBytes: number;
  tcp: TcpAdvice;
  /** Receive buffer a UDP socket should ask for to ride out one RTT of backlog (before per-datagram costs). */
  udpBufferBytes: number;
  fitsUdp: boolean;
  /** sysctl settings that would allow it (only the ones that must grow). */
  sysctl: string[];
  /** The code that would apply it in a Node program. */
  code: string;
  notes: string[];
}

const PAGE = 4096;
const INT_MAX = 2147483647;
/** The largest TCP window: 16 bits shifted by the largest scale (RFC 7323). */
const MAX_TCP_WINDOW = 65535 * 2 ** 14;

function roundUp(bytes: number, to: number): number {
  return Math.min(Math.ceil(bytes / to) * to, INT_MAX);
}

function tcpSide(
  autotuningMax: number | null,
  autotuningOn: boolean,
  fixedCap: number | null,
  need: number,
  request: number,
): TcpSide {
  const autotuningReaches = autotuningOn && autotuningMax !== null && autotuningMax >= need;
  const fixedFits = fixedCap !== null && fixedCap >= request;
  const advice: TcpVerdict = autotuningReaches ? 'autotuning' : fixedFits ? 'sysctl-or-fixed' : 'sysctl';
  return { autotuningMax, autotuningReaches, fixedCap, fixedFits, advice };
}

/**
 * Advice for a path of `bandwidth` bits/s and `rtt` seconds, right for the
 * limits of the machine it runs on: leave TCP autotuning alone when it can
 * grow far enough; otherwise raise its max, and name a fixed size only where
 * it fits the cap of a fixed size.
 */
export function recommend(
  bandwidthBitsPerSecond: number,
  rttSeconds: number,
  limits: SystemLimits = systemLimits(),
): Recommendation {
  const bdpBytes = Math.ceil((bandwidthBitsPerSecond / 8) * rttSeconds);
  const linux = limits.platform === 'linux';
  const fixedRequest = roundUp(bdpBytes, PAGE);
  const bufferNeeded = roundUp(linux ? 2 * bdpBytes : bdpBytes, PAGE);
  const scaling = limits.tcp.windowScaling !== false;
  const recv = tcpSide(
    limits.tcp.recv.max,
    limits.tcp.autotuning !== false && scaling,
    limits.recvMax,
    bufferNeeded,
    fixedRequest,
  );
  // Send autotuning (tcp_wmem) has no switch on Linux.
  const send = tcpSide(limits.tcp.send.max, scaling, limits.sendMax, bufferNeeded, fixedRequest);
  // Window scaling off: no buffer helps past 64 KiB; only the sysctl does.
  if (!scaling) recv.advice = send.advice = 'sysctl';
  const sides = [recv.advice, send.advice];
  const verdict: TcpVerdict = sides.includes('sysctl')
    ? 'sysctl'
    : sides.includes('sysctl-or-fixed')
      ? 'sysctl-or-fixed'
      : 'autotuning';
  const udpBufferBytes = roundUp(Math.max(bdpBytes, 65536), PAGE);
  const fitsUdp = limits.recvMax !== null && limits.recvMax >= udpBufferBytes;
  const sysctl: string[] = [];
  const notes: string[] = [];
  const tcp: TcpAdvice = { bufferNeeded, fixedRequest, recv, send, verdict };
  if (bdpBytes > MAX_TCP_WINDOW) {
    notes.push(
      `One TCP connection cannot fill this path: its BDP (${formatBytes(bdpBytes)}) is past the largest window TCP can offer (65535 << 14 bytes, about 1 GiB), and a socket buffer is at most ${formatBytes(INT_MAX)}; the sizes shown are capped there. Spread the transfer over several connections.`,
    );
  }
  if (linux) {
    const r = limits.tcp.recv;
    if (!recv.autotuningReaches && (r.max === null || r.max < bufferNeeded)) {
      sysctl.push(`net.ipv4.tcp_rmem = ${r.min ?? 4096} ${r.default ?? 131072} ${bufferNeeded}`);
    }
    const w = limits.tcp.send;
    if (!send.autotuningReaches && (w.max === null || w.max < bufferNeeded)) {
      sysctl.push(`net.ipv4.tcp_wmem = ${w.min ?? 4096} ${w.default ?? 16384} ${bufferNeeded}`);
    }
    if (!fitsUdp) sysctl.push(`net.core.rmem_max = ${udpBufferBytes}`);
    if (limits.tcp.windowScaling === false) {
      sysctl.push('net.ipv4.tcp_window_scaling = 1');
      notes.push('Window scaling is off: TCP cannot use a window past 64 KiB whatever the buffer.');
    }
    if (limits.tcp.autotuning === false) {
      sysctl.push('net.ipv4.tcp_moderate_rcvbuf = 1');
      notes.push("Receive autotuning is off (tcp_moderate_rcvbuf = 0): every connection keeps tcp_rmem's default.");
    }
    notes.push(
      `TCP on Linux offers about half of a buffer as the window (the rest pays for the kernel's bookkeeping), so a connection needs about ${formatBytes(bufferNeeded)}, twice the BDP. setsockopt doubles what you request, so a fixed size is requested as about one BDP (${formatBytes(fixedRequest)}).`,
      'A fixed size turns autotuning off for that socket, is capped at net.core.rmem_max / wmem_max (not tcp_rmem / tcp_wmem), and, set before the handshake, also sets the window scale from that size.',
      'tcp_rmem and tcp_wmem are per network namespace: a container may see other values than the host.',
    );
  } else if (limits.platform === 'darwin') {
    const max = Math.max(bufferNeeded, udpBufferBytes);
    if (limits.recvMax === null || limits.recvMax < max)
      sysctl.push(`kern.ipc.maxsockbuf=${roundUp(Math.ceil(max * 1.125), PAGE)}`);
    if (!recv.autotuningReaches) sysctl.push(`net.inet.tcp.autorcvbufmax=${bufferNeeded}`);
    if (!send.autotuningReaches) sysctl.push(`net.inet.tcp.autosndbufmax=${bufferNeeded}`);
  }
  notes.push(
    "A UDP receive buffer holds datagrams, not bytes: each one costs its payload plus the kernel's bookkeeping (on Linux loopback a 64-byte datagram takes 832 bytes, a 1400-byte one 2304), so a buffer full of small datagrams holds far less payload than its size. Check yours: socketMemory(sock).recvAllocated (ss -um: skmem r) divided by the datagrams queued.",
    'A UDP receiver that falls behind drops datagrams once its buffer is full: watch socketMemory(sock).drops.',
  );
  const code = [
    "const { setBufferSizes, configureServer, connect } = require('sockbuf');",
    '// UDP: before traffic arrives',
    `setBufferSizes(udpSocket, { recv: ${udpBufferBytes} });`,
  ];
  const fixed: string[] = [];
  if (recv.advice === 'sysctl-or-fixed') fixed.push(`recv: ${fixedRequest}`);
  if (send.advice === 'sysctl-or-fixed') fixed.push(`send: ${fixedRequest}`);
  if (verdict === 'autotuning') {
    code.push('// TCP: set nothing; autotuning grows each connection as far as the path needs');
  } else if (fixed.length > 0) {
    code.push(
      '// TCP, only where you cannot raise tcp_rmem/tcp_wmem: a fixed size, before the handshake',
      `configureServer(server, { ${fixed.join(', ')} });`,
      `// clients: sockbuf.connect(...) with the same sizes (see README: Clients: sizes before the handshake)`,
    );
  }
  if (recv.advice === 'sysctl' || send.advice === 'sysctl') {
    const which = fixed.length > 0 ? ' for the other direction' : '';
    code.push(`// TCP: no fixed size fits the current caps${which}: only the sysctl change helps`);
  }
  return {
    bandwidthBitsPerSecond,
    rttSeconds,
    bdpBytes,
    tcp,
    udpBufferBytes,
    fitsUdp,
    sysctl,
    code: code.join('\n'),
    notes,
  };
}
