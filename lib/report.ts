// What the CLI reports: the limits, what real sockets get for a request, and
// buffer sizes for a bandwidth-delay product. Kept apart from argument
// parsing and printing so that it can be tested and reused.
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import * as net from 'node:net';
import { getBufferSizes, setBufferSizes, type BufferSizes, type BufferSizesReport } from './sizes';
import { systemLimits, type SystemLimits } from './limits';

export interface ProbeRequest {
  recv?: number;
  send?: number;
  force: boolean;
}

export interface SocketProbe {
  /** Sizes of a fresh socket before any request. */
  defaults: BufferSizes;
  /** What the request got. */
  result: BufferSizesReport;
}

export interface ProbeResult {
  request: ProbeRequest;
  /** A connected TCP client socket on loopback. */
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
    client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await once(client, 'connect');
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    const tcpDefaults = getBufferSizes(client);
    const udpDefaults = getBufferSizes(udp);
    return {
      request,
      tcp: { defaults: tcpDefaults, result: setBufferSizes(client, request) },
      udp: { defaults: udpDefaults, result: setBufferSizes(udp, request) },
    };
  } finally {
    client?.destroy();
    udp.close();
    server.close();
  }
}

export interface Recommendation {
  bandwidthBitsPerSecond: number;
  rttSeconds: number;
  /** Bandwidth-delay product: bytes in flight on a full pipe. */
  bdpBytes: number;
  /** Receive/send buffer a TCP socket needs to keep the pipe full (the BDP plus the kernel's overhead share). */
  tcpBufferBytes: number;
  /** Receive buffer a UDP socket should ask for to ride out one RTT of backlog. */
  udpBufferBytes: number;
  /** Whether the current limits already allow it. */
  fitsTcp: boolean;
  fitsUdp: boolean;
  /** sysctl settings that would allow it (only the ones that must grow). */
  sysctl: string[];
  /** The code that would apply it in a Node program. */
  code: string;
  notes: string[];
}

const PAGE = 4096;

function roundUp(bytes: number, to: number): number {
  return Math.ceil(bytes / to) * to;
}

/**
 * Sizes for a path of `bandwidth` bits/s and `rtt` seconds. TCP needs about
 * twice the BDP in buffer on Linux (half of a buffer goes to sk_buff
 * overhead, tcp_adv_win_scale); UDP needs the BDP of one burst.
 */
export function recommend(
  bandwidthBitsPerSecond: number,
  rttSeconds: number,
  limits: SystemLimits = systemLimits(),
): Recommendation {
  const bdpBytes = Math.ceil((bandwidthBitsPerSecond / 8) * rttSeconds);
  const linux = limits.platform === 'linux';
  const tcpBufferBytes = roundUp(linux ? 2 * bdpBytes : bdpBytes, PAGE);
  const udpBufferBytes = roundUp(Math.max(bdpBytes, 65536), PAGE);
  const { recv: tcpRecv, send: tcpSend } = limits.tcp;
  const fitsTcp =
    tcpRecv.max !== null && tcpRecv.max >= tcpBufferBytes && tcpSend.max !== null && tcpSend.max >= tcpBufferBytes;
  const fitsUdp = limits.recvMax !== null && limits.recvMax >= udpBufferBytes;
  const sysctl: string[] = [];
  const notes: string[] = [];
  const capped = (v: number): number => Math.min(v, 2147483647);
  if (linux) {
    const coreMax = capped(Math.max(tcpBufferBytes, udpBufferBytes));
    if (limits.recvMax === null || limits.recvMax < coreMax) sysctl.push(`net.core.rmem_max = ${coreMax}`);
    if (limits.sendMax === null || limits.sendMax < coreMax) sysctl.push(`net.core.wmem_max = ${coreMax}`);
    const r = limits.tcp.recv;
    if (r.max === null || r.max < tcpBufferBytes) {
      sysctl.push(`net.ipv4.tcp_rmem = ${r.min ?? 4096} ${r.default ?? 131072} ${capped(tcpBufferBytes)}`);
    }
    const w = limits.tcp.send;
    if (w.max === null || w.max < tcpBufferBytes) {
      sysctl.push(`net.ipv4.tcp_wmem = ${w.min ?? 4096} ${w.default ?? 16384} ${capped(tcpBufferBytes)}`);
    }
    if (limits.tcp.windowScaling === false) {
      sysctl.push('net.ipv4.tcp_window_scaling = 1');
      notes.push('Window scaling is off: TCP cannot use a window past 64 KiB whatever the buffer.');
    }
    notes.push(
      'For TCP, raising net.ipv4.tcp_rmem/tcp_wmem max and leaving the sockets alone is best: autotuning grows each connection up to the max only when it needs to. Setting SO_RCVBUF yourself turns autotuning off for that socket.',
      'tcp_rmem and tcp_wmem are per network namespace: a container may see other values than the host.',
    );
  } else if (limits.platform === 'darwin') {
    const max = Math.max(tcpBufferBytes, udpBufferBytes);
    if (limits.recvMax === null || limits.recvMax < max)
      sysctl.push(`kern.ipc.maxsockbuf=${roundUp(Math.ceil(max * 1.125), PAGE)}`);
    if (limits.tcp.recv.max === null || limits.tcp.recv.max < tcpBufferBytes)
      sysctl.push(`net.inet.tcp.autorcvbufmax=${tcpBufferBytes}`);
    if (limits.tcp.send.max === null || limits.tcp.send.max < tcpBufferBytes)
      sysctl.push(`net.inet.tcp.autosndbufmax=${tcpBufferBytes}`);
  }
  notes.push(
    'A UDP receiver that falls behind drops datagrams once its buffer is full: watch socketMemory(sock).drops.',
  );
  const code = [
    "const { setBufferSizes, configureServer, connect } = require('sockbuf');",
    '// UDP: before traffic arrives',
    `setBufferSizes(udpSocket, { recv: ${udpBufferBytes} });`,
    '// TCP, only if you cannot raise the sysctl limits: before listen()/connect() completes,',
    '// since the window scale is fixed during the handshake',
    `configureServer(server, { recv: ${tcpBufferBytes}, send: ${tcpBufferBytes} });`,
    `const socket = connect({ host, port, buffers: { recv: ${tcpBufferBytes}, send: ${tcpBufferBytes} } });`,
  ].join('\n');
  return {
    bandwidthBitsPerSecond,
    rttSeconds,
    bdpBytes,
    tcpBufferBytes,
    udpBufferBytes,
    fitsTcp,
    fitsUdp,
    sysctl,
    code,
    notes,
  };
}
