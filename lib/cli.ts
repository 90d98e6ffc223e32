#!/usr/bin/env node
// The `sockbuf` command: limits, what real sockets get, and recommendations.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ArgumentError,
  DIAGNOSE_OPTIONS,
  DIAGNOSE_PARSE_OPTIONS,
  DIAGNOSE_USAGE,
  runDiagnoseCommand,
} from './cli-diagnose.js';
import type { SystemLimits } from './limits.js';
import type { ProbeResult, Recommendation, TcpSide, TcpVerdict } from './report.js';
import type { BufferSizeReport } from './sizes.js';
import { formatBytes, formatDuration, formatRate, parseDuration, parseRate, parseSize } from './units.js';

// The modules that load the binary (limits, and the report's socket code)
// are required when a command runs, after the arguments are parsed: --help,
// --version and a usage error then work, and cost nothing, whatever state the
// binary is in, and a binary that does not load is reported as any error is,
// on one line with its code.
/* eslint-disable @typescript-eslint/no-require-imports */
const limitsLib = (): typeof import('./limits.js') => require('./limits.js') as typeof import('./limits.js');
const report = (): typeof import('./report.js') => require('./report.js') as typeof import('./report.js');
/* eslint-enable @typescript-eslint/no-require-imports */

const USAGE = `Usage: sockbuf [command] [options]

Commands:
  (none)      report: the system limits and what real TCP and UDP sockets get
  limits      the system limits that decide what a buffer request gets
  probe       what a request gets:  sockbuf probe --recv 8MiB --send 4MiB [--force]
  recommend   sizes for a path:     sockbuf recommend --bandwidth 1Gbit --rtt 80ms
${DIAGNOSE_USAGE}

Options:
  --recv SIZE        receive buffer to request (probe; default 16MiB in the report)
  --send SIZE        send buffer to request (probe)
  --force            use SO_RCVBUFFORCE/SO_SNDBUFFORCE where permitted (CAP_NET_ADMIN)
  --bandwidth RATE   path bandwidth: 100Mbit, 1Gbit/s, 10Gbps, 100Mb/s (bits); 125MB/s, 125MBps (bytes)
  --rtt TIME         round-trip time: 80ms, 0.2s, 150us
${DIAGNOSE_OPTIONS}
  --json             print JSON instead of text
  -h, --help         this help
  -v, --version      the version

Sizes take units: 65536, 64KiB, 8MiB, 1GB (KiB/MiB/GiB and K/M/G are binary, KB/MB/GB decimal).
Rates: b is a bit and B a byte, exactly as written (100Mb/s = 100 megabit/s, 100MB/s = 100 megabyte/s);
a rate that does not say which (100M) is refused.`;

class UsageError extends Error {}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

const show = (v: number | null): string => (v === null ? 'unreadable' : formatBytes(v));
const onOff = (v: boolean | null): string => (v === null ? 'unreadable' : v ? 'on' : 'off');
const row = (name: string, value: string, note = ''): string =>
  `  ${name.padEnd(30)}${value.length >= 34 ? `${value}  ` : value.padEnd(34)}${note}`.trimEnd();

function limitsText(l: SystemLimits): string {
  const lines: string[] = [
    `System limits (${l.source === 'none' ? 'not available on this platform' : `from ${l.source}`})`,
  ];
  const triple = (r: { min: number | null; default: number | null; max: number | null }): string =>
    `${show(r.min)} / ${show(r.default)} / ${show(r.max)}`;
  if (l.platform === 'darwin') {
    lines.push(row('kern.ipc.maxsockbuf', show(l.recvMax), 'cap on any socket buffer (past it: ENOBUFS)'));
    lines.push(
      row('net.inet.tcp recv', `${show(l.tcp.recv.default)} → ${show(l.tcp.recv.max)}`, 'recvspace → autorcvbufmax'),
    );
    lines.push(
      row('net.inet.tcp send', `${show(l.tcp.send.default)} → ${show(l.tcp.send.max)}`, 'sendspace → autosndbufmax'),
    );
    lines.push(row('net.inet.tcp.doautorcvbuf', onOff(l.tcp.autotuning), 'receive autotuning'));
    lines.push(row('net.inet.udp.recvspace', show(l.udp.recvDefault), 'UDP receive buffer of a new socket'));
    lines.push(row('net.inet.udp.maxdgram', show(l.udp.maxDatagram), 'largest datagram sent'));
    return lines.join('\n');
  }
  lines.push(row('net.core.rmem_max', show(l.recvMax), 'largest SO_RCVBUF without CAP_NET_ADMIN'));
  lines.push(row('net.core.wmem_max', show(l.sendMax), 'largest SO_SNDBUF without CAP_NET_ADMIN'));
  lines.push(row('net.core.rmem_default', show(l.recvDefault), 'receive buffer of a new UDP socket'));
  lines.push(row('net.core.wmem_default', show(l.sendDefault), 'send buffer of a new UDP socket'));
  lines.push(row('net.ipv4.tcp_rmem', triple(l.tcp.recv), 'min / default / autotuning max'));
  lines.push(row('net.ipv4.tcp_wmem', triple(l.tcp.send), 'min / default / autotuning max'));
  lines.push(row('net.ipv4.tcp_window_scaling', onOff(l.tcp.windowScaling), 'windows past 64 KiB'));
  lines.push(row('net.ipv4.tcp_moderate_rcvbuf', onOff(l.tcp.autotuning), 'receive autotuning'));
  const pages = l.udp.memoryPages;
  lines.push(
    row(
      'net.ipv4.udp_mem',
      pages.high === null ? 'unreadable' : `${pages.low} / ${pages.pressure} / ${pages.high} pages`,
      'all UDP sockets together',
    ),
  );
  return lines.join('\n');
}

function grantText(r: BufferSizeReport | undefined): string {
  if (r === undefined) return '-';
  const granted = r.granted;
  const kernelView = granted !== r.effective ? ` (getsockopt: ${formatBytes(r.effective)})` : '';
  let why = '';
  if (r.forced && report().exceededCap(r)) why = ', forced past the cap';
  else if (granted < r.requested) {
    why = report().exceededCap(r) ? `, clamped by the cap of ${formatBytes(r.limit!)}` : ', clamped';
  }
  return `granted ${formatBytes(granted)}${kernelView}${why}`;
}

function asked(r: ProbeResult['request']): string {
  const parts: string[] = [];
  if (r.recv !== undefined) parts.push(`recv ${formatBytes(r.recv)}`);
  if (r.send !== undefined) parts.push(`send ${formatBytes(r.send)}`);
  if (r.force) parts.push('force');
  return parts.join(', ');
}

function probeText(p: ProbeResult): string {
  const lines = [
    `What real sockets get on loopback (asked: ${asked(p.request)})`,
    row('', 'new socket (getsockopt)', '→ after the request'),
  ];
  for (const [name, s] of [
    ['TCP', p.tcp],
    ['UDP', p.udp],
  ] as const) {
    lines.push(row(`${name} receive`, formatBytes(s.defaults.recv), `→ ${grantText(s.result.recv)}`));
    lines.push(row(`${name} send`, formatBytes(s.defaults.send), `→ ${grantText(s.result.send)}`));
  }
  const connected = p.tcp.connected;
  if (connected !== undefined && connected.send !== p.tcp.defaults.send) {
    lines.push(
      `  (The connected TCP socket's send buffer was already ${formatBytes(connected.send)} before the request: the kernel grows it after connect.)`,
    );
  }
  return lines.join('\n');
}

function notesFor(l: SystemLimits, p: ProbeResult): string[] {
  const notes: string[] = [];
  const reports = [p.tcp.result.recv, p.udp.result.recv, p.tcp.result.send, p.udp.result.send];
  if (l.platform === 'linux') {
    notes.push(
      'Linux doubles every SO_RCVBUF/SO_SNDBUF request and getsockopt reports the double (half pays for bookkeeping); a socket nobody set reports its default as is (tcp_rmem[1] / tcp_wmem[1] for TCP, rmem_default / wmem_default for UDP).',
    );
    if (reports.some((r) => r !== undefined && !r.forced && report().exceededCap(r))) {
      notes.push(
        'Requests past net.core.rmem_max / wmem_max are cut down silently. Raise the sysctls, or pass force: true with CAP_NET_ADMIN.',
      );
    }
    if (p.request.force && reports.some((r) => r !== undefined && !r.forced)) {
      notes.push('force was asked but this process lacks CAP_NET_ADMIN, so the cap applied.');
    }
    if (l.tcp.autotuning) {
      notes.push(
        `Setting SO_RCVBUF on a TCP socket turns off receive autotuning for it, which would otherwise grow the buffer up to tcp_rmem's max (${show(l.tcp.recv.max)}).`,
      );
    }
    notes.push(
      "The window scale is fixed in the handshake: a socket nobody set offers the scale for the larger of tcp_rmem's max and rmem_max; a size set before the handshake offers the scale for that size (lower, if it is smaller). Servers: configureServer(server, ...). Clients: use sockbuf.connect(...) (see README: Clients: sizes before the handshake).",
      udpCostNote(p),
    );
  }
  return notes;
}

function udpCostNote(p: ProbeResult): string {
  const intro =
    "A UDP receive buffer holds datagrams, not bytes: each one costs its payload plus the kernel's bookkeeping";
  const how =
    'Check with your traffic: socketMemory(sock).recvAllocated (ss -umn: skmem r) divided by the datagrams queued.';
  const costs = p.udpDatagramCost;
  if (costs === null || costs.length === 0) return `${intro}. ${how}`;
  const list = costs.map((c) => `${c.payload} B takes ${c.charged} B`).join(', ');
  const small = costs[0];
  const fits = Math.floor(p.udp.defaults.recv / small.charged);
  return `${intro}. Measured on loopback now: ${list}, so the default ${formatBytes(p.udp.defaults.recv)} buffer holds only ${fits} datagrams of ${small.payload} B. A network card's driver may charge more. ${how}`;
}

const SIDE_TEXT: Record<TcpVerdict, string> = {
  autotuning: 'autotuning reaches it: leave it alone',
  'sysctl-or-fixed': 'raise the autotuning max; where you cannot, a fixed size fits',
  sysctl: 'only a sysctl change helps',
};

function recommendText(r: Recommendation): string {
  const t = r.tcp;
  const side = (name: string, s: TcpSide, auto: string, cap: string): string =>
    row(`TCP ${name}`, `${auto} ${show(s.autotuningMax)}, ${cap} ${show(s.fixedCap)}`, SIDE_TEXT[s.advice]);
  const lines = [
    `Path: ${formatRate(r.bandwidthBitsPerSecond)} × ${formatDuration(r.rttSeconds)} RTT`,
    row('bandwidth-delay product', formatBytes(r.bdpBytes), 'bytes in flight on a full pipe'),
    row('TCP buffer needed', formatBytes(t.bufferNeeded), "per connection, the kernel's bookkeeping included"),
    side('receive', t.recv, 'tcp_rmem max', 'rmem_max'),
    side('send', t.send, 'tcp_wmem max', 'wmem_max'),
    row(
      'UDP receive buffer',
      formatBytes(r.udpBufferBytes),
      r.fitsUdp ? 'fits the current limits' : 'needs higher limits',
    ),
    '',
  ];
  const fixed = `a fixed size of ${formatBytes(t.fixedRequest)} (about one BDP: the kernel doubles it), set before the handshake`;
  const advice: Record<TcpVerdict, (name: string, s: TcpSide) => string> = {
    autotuning: (name, s) =>
      `TCP ${name}: leave it alone. Autotuning grows each connection up to ${show(s.autotuningMax)}, enough for this path; a fixed size would turn it off.`,
    'sysctl-or-fixed': (name) => `TCP ${name}: raise the autotuning max (below). Only where you cannot, use ${fixed}.`,
    sysctl: (name, s) =>
      `TCP ${name}: only a sysctl change helps. Autotuning stops at ${show(s.autotuningMax)}, and a fixed size is capped at ${show(s.fixedCap)}, below the ${formatBytes(t.fixedRequest)} it would need.`,
  };
  lines.push(advice[t.recv.advice]('receive', t.recv), advice[t.send.advice]('send', t.send));
  if (r.sysctl.length > 0) {
    lines.push('', 'System settings (as root; persist them in /etc/sysctl.d/90-sockbuf.conf):');
    for (const s of r.sysctl) lines.push(`  sysctl -w ${s.replace(/ = /, '=').replace(/=(.* .*)$/, '="$1"')}`);
  } else {
    lines.push('', 'The current system limits already allow these sizes.');
  }
  lines.push(
    '',
    'In code:',
    ...r.code.split('\n').map((l) => `  ${l}`),
    '',
    'Notes:',
    ...r.notes.map((n) => `  - ${n}`),
  );
  return lines.join('\n');
}

interface Parsed {
  command: string;
  json: boolean;
  recv?: string;
  send?: string;
  force: boolean;
  bandwidth?: string;
  rtt?: string;
}

function parse(argv: string[]): Parsed | 'help' | 'version' {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        recv: { type: 'string' },
        send: { type: 'string' },
        force: { type: 'boolean', default: false },
        bandwidth: { type: 'string' },
        rtt: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
        ...DIAGNOSE_PARSE_OPTIONS,
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return 'help';
  if (values.version) return 'version';
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}"`);
  const command = positionals[0] ?? 'report';
  if (!['report', 'limits', 'probe', 'recommend', 'diagnose', 'help'].includes(command)) {
    throw new UsageError(`Unknown command "${command}"`);
  }
  if (command === 'help') return 'help';
  return { command, ...values } as Parsed;
}

function sizeArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return parseSize(value);
  } catch (err) {
    throw new UsageError(`--${name}: ${(err as Error).message}`);
  }
}

function write(json: boolean, data: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : `${text}\n`);
}

async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed === 'version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const { command, json } = parsed;
  const extra = await runDiagnoseCommand(command, parsed).catch((err: unknown) => {
    throw err instanceof ArgumentError ? new UsageError(err.message) : err;
  });
  if (extra !== undefined) return (write(json, extra.data, extra.text), 0);
  if (command === 'limits') {
    const limits = limitsLib().systemLimits();
    write(json, limits, limitsText(limits));
    return 0;
  }
  if (command === 'recommend') {
    if (parsed.bandwidth === undefined || parsed.rtt === undefined) {
      throw new UsageError(
        'recommend needs --bandwidth and --rtt, for example: sockbuf recommend --bandwidth 1Gbit --rtt 80ms',
      );
    }
    let rate: number;
    let rtt: number;
    try {
      rate = parseRate(parsed.bandwidth);
      rtt = parseDuration(parsed.rtt);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (rate <= 0 || rtt <= 0) throw new UsageError('--bandwidth and --rtt must be greater than zero');
    const rec = report().recommend(rate, rtt);
    write(json, rec, recommendText(rec));
    return 0;
  }
  const recv = sizeArg(parsed.recv, 'recv');
  const send = sizeArg(parsed.send, 'send');
  if (command === 'probe' && recv === undefined && send === undefined) {
    throw new UsageError('probe needs --recv and/or --send, for example: sockbuf probe --recv 8MiB');
  }
  const fallback = command === 'report' ? 16 * 1024 * 1024 : undefined;
  const request = { recv: recv ?? fallback, send: send ?? fallback, force: parsed.force };
  const limits = limitsLib().systemLimits();
  const result = await report().probe(request);
  if (command === 'probe') {
    write(json, result, probeText(result));
    return 0;
  }
  const notes = notesFor(limits, result);
  const header = `sockbuf ${version()}: socket buffers on ${process.platform} ${release()} (${process.arch}), Node ${process.version}`;
  const text = [
    header,
    '',
    limitsText(limits),
    '',
    probeText(result),
    '',
    'Notes:',
    ...notes.map((n) => `  - ${n}`),
    '',
    'Next: sockbuf recommend --bandwidth 1Gbit --rtt 80ms  (sizes for your path)',
  ].join('\n');
  write(
    json,
    {
      version: version(),
      platform: process.platform,
      kernel: release(),
      node: process.version,
      limits,
      probe: result,
      notes,
    },
    text,
  );
  return 0;
}

function main(): void {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        process.stderr.write(`sockbuf: ${err.message}\nRun "sockbuf --help" for usage.\n`);
        process.exitCode = 2;
        return;
      }
      const e = err as { code?: string; message?: string };
      // sockbuf's own messages start with "sockbuf: " already.
      const message = (e.message ?? String(err)).replace(/^sockbuf: /, '');
      process.stderr.write(`sockbuf: ${message}${e.code ? ` [${e.code}]` : ''}\n`);
      process.exitCode = 1;
    },
  );
}

main();
