// The CLI's `diagnose` and `recommend --udp` commands: argument parsing,
// the loopback run, and the text they print. lib/cli.ts dispatches here.
import { once } from 'node:events';
import * as net from 'node:net';
import type { Diagnosis } from './diagnose.js';
import type { UdpBufferRecommendation } from './udpsizing.js';
import { formatBytes, formatDuration, formatRate, parseDuration, parseSize } from './units.js';

// The modules that load the binary are required when a command runs (lib/cli.ts
// says why).
/* eslint-disable @typescript-eslint/no-require-imports */
const diagnoseLib = (): typeof import('./diagnose.js') => require('./diagnose.js') as typeof import('./diagnose.js');
const limits = (): typeof import('./limits.js') => require('./limits.js') as typeof import('./limits.js');
const sizes = (): typeof import('./sizes.js') => require('./sizes.js') as typeof import('./sizes.js');
const udpSizing = (): typeof import('./udpsizing.js') => require('./udpsizing.js') as typeof import('./udpsizing.js');
/* eslint-enable @typescript-eslint/no-require-imports */

/** A mistake in the command line (cli.ts prints it with the usage hint, exit code 2). */
export class ArgumentError extends Error {}

export const DIAGNOSE_USAGE = `  diagnose    what limits a loopback transfer:  sockbuf diagnose --send 4KiB [--recv SIZE] [--read-every 20ms] [--duration 1s]
  recommend --udp   a UDP receive buffer in datagrams:  sockbuf recommend --udp --rate 20000/s --payload 64 --pause 500ms`;

export const DIAGNOSE_OPTIONS = `  --udp              recommend: size a UDP receive buffer from --rate, --payload and --pause
  --rate N/s         datagrams per second (20000/s, 20k/s)
  --payload SIZE     bytes of payload per datagram (64, 1400, 8KiB)
  --pause TIME       longest time the receiver does not read (500ms, 1s)
  --duration TIME    diagnose: how long to measure (default 1s)
  --read-every TIME  diagnose: the receiver reads once per TIME instead of as data comes`;

/** The option definitions for util.parseArgs. */
export const DIAGNOSE_PARSE_OPTIONS = {
  udp: { type: 'boolean', default: false },
  rate: { type: 'string' },
  payload: { type: 'string' },
  pause: { type: 'string' },
  duration: { type: 'string' },
  'read-every': { type: 'string' },
} as const;

export interface DiagnoseCliValues {
  json?: boolean;
  udp?: boolean;
  rate?: string;
  payload?: string;
  pause?: string;
  duration?: string;
  'read-every'?: string;
  send?: string;
  recv?: string;
  force?: boolean;
}

function arg<T>(name: string, value: string | undefined, parse: (v: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (err) {
    throw new ArgumentError(`--${name}: ${(err as Error).message}`);
  }
}

/** "20000/s", "20k/s", "1.5M/s" or a bare number: datagrams per second. */
export function parseDatagramRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)\s*(?:\/\s*s|pps)?\s*$/i.exec(text);
  if (!m) throw new Error(`Invalid rate "${text}": expected datagrams per second, such as 20000/s or 20k/s`);
  const factor = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase()]!;
  return Number(m[1]) * factor;
}

const row = (name: string, value: string, note = ''): string =>
  `  ${name.padEnd(30)}${value.padEnd(22)}${note}`.trimEnd();

function udpText(r: UdpBufferRecommendation, recvMax: number | null): string {
  const lines = [
    `UDP receive buffer for ${r.rate} datagrams/s of ${r.payload} bytes, with the reader paused up to ${formatDuration(r.pause)}`,
    row('datagrams in one pause', String(r.datagrams), `rate × pause × ${r.headroom} headroom`),
    row('cost of one datagram', `${r.cost.bytesPerDatagram} B`, `measured now on loopback (${r.cost.family})`),
    row('receive buffer (kernel)', formatBytes(r.kernelBytes), 'datagrams × cost'),
    row('udpBufferBytes', String(r.udpBufferBytes), 'the number to pass to setRecvBufferSize'),
  ];
  const needsForce = recvMax !== null && r.udpBufferBytes > recvMax;
  if (needsForce) {
    lines.push(
      '',
      `net.core.rmem_max is ${formatBytes(recvMax)}: past it the request is cut down silently. Either, as root:`,
      `  sysctl -w net.core.rmem_max=${r.udpBufferBytes}`,
      'or pass { force: true } from a process with CAP_NET_ADMIN.',
    );
  }
  lines.push(
    '',
    'In code:',
    `  setRecvBufferSize(sock, ${r.udpBufferBytes}${needsForce ? ', { force: true }' : ''});`,
    '',
    'Notes:',
    ...r.notes.map((n) => `  - ${n}`),
  );
  return lines.join('\n');
}

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);

function diagnoseText(d: Diagnosis, setup: DiagnoseSetup): string {
  const asked = [
    `send buffer ${setup.send === undefined ? 'autotuned' : formatBytes(setup.send)}`,
    `receive buffer ${setup.recv === undefined ? 'autotuned' : formatBytes(setup.recv)}`,
    setup.readEvery === undefined
      ? 'reader reads as data comes'
      : `reader reads every ${formatDuration(setup.readEvery)}`,
  ];
  const lines = [
    `Loopback transfer for ${formatDuration(d.seconds ?? 0)}: ${asked.join(', ')}`,
    row('throughput', d.throughput === null ? '-' : formatRate(d.throughput * 8)),
    row('verdict', d.verdict),
    '',
    'Share of the interval (the verdict):',
    row('application', pct(d.shares.application), 'nothing to send'),
    row('send buffer', pct(d.shares.sendBuffer), "held back by this socket's send buffer"),
    row('receive window', pct(d.shares.receiveWindow), "held back by the peer's receive window"),
    row('network', pct(d.shares.network), 'in flight, congestion window and path'),
    '',
    'The kernel\'s counters (as "ss -ti" prints them):',
    row('busy', pct(d.kernel.busy), 'of the interval'),
    row('rwnd_limited', pct(d.kernel.receiveWindow), 'of busy'),
    row('sndbuf_limited', pct(d.kernel.sendBuffer), 'of busy'),
  ];
  if (d.sample.nodeQueued !== undefined) {
    lines.push(row('held back by Node', formatBytes(d.sample.nodeQueued), 'socket.writableLength at the end'));
  }
  lines.push('', d.sentence);
  return lines.join('\n');
}

interface DiagnoseSetup {
  send?: number;
  recv?: number;
  readEvery?: number;
  duration: number;
}

/** A sender that writes as fast as Node lets it, to a receiver on loopback, diagnosed over `duration`. */
async function loopbackRun(setup: DiagnoseSetup): Promise<Diagnosis> {
  const server = net.createServer({ pauseOnConnect: setup.readEvery !== undefined });
  const sockets: net.Socket[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // Accepted sockets inherit the listener's receive buffer (and its window scale).
    if (setup.recv !== undefined) sizes().setRecvBufferSize(server, setup.recv, { force: true });
    const accepted = once(server, 'connection') as Promise<[net.Socket]>;
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    sockets.push(client);
    client.on('error', () => {});
    await once(client, 'connect');
    const [peer] = await accepted;
    sockets.push(peer);
    peer.on('error', () => {});
    if (setup.readEvery === undefined) peer.resume();
    else {
      timers.push(
        setInterval(() => {
          peer.resume();
          setImmediate(() => peer.pause());
        }, setup.readEvery * 1000),
      );
    }
    if (setup.send !== undefined) sizes().setSendBufferSize(client, setup.send, { force: true });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = (): void => {
      while (!client.destroyed && client.write(chunk));
      if (!client.destroyed) client.once('drain', pump);
    };
    pump();
    await new Promise((r) => setTimeout(r, 200));
    const first = diagnoseLib().diagnose(client);
    await new Promise((r) => setTimeout(r, setup.duration * 1000));
    return diagnoseLib().diagnose(client, first);
  } finally {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    server.close();
  }
}

/**
 * Runs `sockbuf diagnose` or `sockbuf recommend --udp`; returns what to print
 * (JSON data and text), or undefined when the command is not one of these.
 */
export async function runDiagnoseCommand(
  command: string,
  values: DiagnoseCliValues,
): Promise<{ data: unknown; text: string } | undefined> {
  if (command === 'recommend' && values.udp) {
    const rate = arg('rate', values.rate, parseDatagramRate);
    const payload = arg('payload', values.payload, parseSize);
    const pause = arg('pause', values.pause, parseDuration);
    if (rate === undefined || payload === undefined || pause === undefined) {
      throw new ArgumentError(
        'recommend --udp needs --rate, --payload and --pause, for example: sockbuf recommend --udp --rate 20000/s --payload 64 --pause 500ms',
      );
    }
    if (!(rate > 0) || !(pause > 0)) throw new ArgumentError('--rate and --pause must be greater than zero');
    if (payload > 65507) throw new ArgumentError('--payload: a UDP datagram over IPv4 carries at most 65507 bytes');
    const rec = await udpSizing().recommendUdpBuffer({ rate, payload, pause });
    return { data: rec, text: udpText(rec, limits().systemLimits().recvMax) };
  }
  if (command === 'diagnose') {
    const setup: DiagnoseSetup = {
      send: arg('send', values.send, parseSize),
      recv: arg('recv', values.recv, parseSize),
      readEvery: arg('read-every', values['read-every'], parseDuration),
      duration: arg('duration', values.duration, parseDuration) ?? 1,
    };
    if (!(setup.duration > 0 && setup.duration <= 600))
      throw new ArgumentError('--duration must be between 0 and 10min');
    if (setup.readEvery !== undefined && !(setup.readEvery > 0)) {
      throw new ArgumentError('--read-every must be greater than zero');
    }
    const d = await loopbackRun(setup);
    return { data: d, text: diagnoseText(d, setup) };
  }
  return undefined;
}
