// TCP_INFO (Linux) and TCP_CONNECTION_INFO (macOS), typed. The offsets come
// from the system headers the addon was built with (native/tcpinfo.cc); a
// field is read only when the kernel's answer is long enough to hold it, so
// a field this kernel does not fill is absent, never 0.
import { endianness } from 'node:os';
import { loadNative, type NativeTcpInfoLayout } from './binding.js';
import { constant } from './constants.js';
import { unavailable } from './errors.js';
import { areaBytes, areaSize, getAreaFd, getBytesFd } from './raw.js';
import { resolveFd, type SocketLike } from './resolve.js';

// This module loads on the first call that needs it; the binary loads with it.
const native = loadNative();

/** A TCP connection's state, named as in `ss` (tcpi_state). */
export type TcpState =
  | 'established'
  | 'syn-sent'
  | 'syn-recv'
  | 'fin-wait-1'
  | 'fin-wait-2'
  | 'time-wait'
  | 'closed'
  | 'close-wait'
  | 'last-ack'
  | 'listen'
  | 'closing'
  | 'unknown';

/**
 * What the kernel knows about a TCP connection. Every field but `state` is
 * optional: it is absent when this platform's struct has no such field, or
 * when the running kernel's answer stops before it. Times are microseconds
 * (µs) unless the name says otherwise, rates are bytes per second, windows
 * and queues are bytes unless they say segments. 64-bit counters are exact
 * up to 2^53 (8 PiB); past that they are rounded to the nearest double.
 */
export interface TcpInfo {
  state: TcpState;
  /** Listening sockets (Linux): connections waiting in the accept queue (ss Recv-Q). */
  acceptQueue?: number;
  /** Listening sockets (Linux): the accept queue's limit, the listen() backlog (ss Send-Q). */
  acceptQueueMax?: number;
  /** Congestion-control state (Linux tcpi_ca_state: 0 open, 1 disorder, 2 CWR, 3 recovery, 4 loss). */
  caState?: number;
  /** Retransmissions of the current unacknowledged segment (timeouts in a row). */
  retransmits?: number;
  /** Zero-window probes sent without an answer. */
  probes?: number;
  /** Exponential backoff of the retransmission timer. */
  backoff?: number;
  /** Options negotiated: bit 1 timestamps, 2 SACK, 4 window scaling, 8 ECN (Linux TCPI_OPT_*). */
  options?: number;
  /** Window scale shifts, as ss prints them (wscale:snd,rcv): the peer's (applied to sndWnd) and ours. */
  sndWscale?: number;
  rcvWscale?: number;
  /** The latest delivery-rate sample was application-limited (the sender had nothing to send). */
  deliveryRateAppLimited?: boolean;
  /** Retransmission timeout, µs. */
  rto?: number;
  /** Delayed-ACK timeout, µs. */
  ato?: number;
  /** Maximum segment size for sending / as seen from received segments, bytes. */
  sndMss?: number;
  rcvMss?: number;
  /** Segments sent and not yet acknowledged (packets in flight). */
  unacked?: number;
  /** Segments the peer has SACKed. */
  sacked?: number;
  /** Segments considered lost. */
  lost?: number;
  /** Segments retransmitted and not yet acknowledged. */
  retrans?: number;
  /** Milliseconds since data was last sent / received / since the last ACK received. */
  lastDataSentMs?: number;
  lastDataRecvMs?: number;
  lastAckRecvMs?: number;
  /** Path MTU, bytes. */
  pmtu?: number;
  /** Receive slow-start threshold (the window we are willing to grow to), bytes. */
  rcvSsthresh?: number;
  /** Smoothed round-trip time and its variation, µs. */
  rtt?: number;
  rttVar?: number;
  /** Slow-start threshold, segments (Infinity before the first loss: Linux's "infinite" 0x7fffffff). */
  sndSsthresh?: number;
  /** Congestion window, segments (Linux). */
  sndCwnd?: number;
  /** Congestion window, bytes (Linux: sndCwnd × sndMss; macOS: tcpi_snd_cwnd). */
  sndCwndBytes?: number;
  /** MSS we announced to the peer, bytes. */
  advMss?: number;
  /** Reordering metric, segments. */
  reordering?: number;
  /** Receiver-side RTT estimate, µs. */
  rcvRtt?: number;
  /** Receive-buffer autotuning's estimate of what the application reads per RTT, bytes. */
  rcvSpace?: number;
  /** Segments retransmitted over the connection's life. */
  totalRetrans?: number;
  /** Current pacing rate and its cap (SO_MAX_PACING_RATE), bytes/s; the cap is Infinity when unset. */
  pacingRate?: number;
  maxPacingRate?: number;
  /** Bytes acknowledged by the peer; bytes received from the peer. */
  bytesAcked?: number;
  bytesReceived?: number;
  /** Segments sent / received (all, including pure ACKs). */
  segsOut?: number;
  segsIn?: number;
  /** Bytes written by the application that TCP has not sent yet. */
  notsentBytes?: number;
  /** Smallest RTT seen (over a window of minutes), µs. */
  minRtt?: number;
  /** Segments carrying data received / sent. */
  dataSegsIn?: number;
  dataSegsOut?: number;
  /** Latest delivery-rate sample, bytes/s. */
  deliveryRate?: number;
  /** Time spent sending data (all chronographs), µs. */
  busyTime?: number;
  /** Part of busyTime limited by the peer's receive window, µs. */
  rwndLimited?: number;
  /** Part of busyTime limited by our send buffer, µs. */
  sndbufLimited?: number;
  /** Segments delivered (acknowledged, SACKed included), and those with an ECN CE mark. */
  delivered?: number;
  deliveredCe?: number;
  /** Bytes sent (retransmissions included); bytes retransmitted. */
  bytesSent?: number;
  bytesRetrans?: number;
  /** Duplicate segments reported by D-SACK. */
  dsackDups?: number;
  /** Reordering events seen. */
  reordSeen?: number;
  /** Out-of-order packets received. */
  rcvOooPack?: number;
  /** The peer's advertised receive window (after scaling), bytes: what we may send. */
  sndWnd?: number;
  /** Our advertised receive window (after scaling), bytes (Linux 6.2+ headers). */
  rcvWnd?: number;
  /** Path rehash attempts (PLB or timeouts). */
  rehash?: number;
  /** Retransmission timeouts, and recoveries from them. */
  totalRto?: number;
  totalRtoRecoveries?: number;
  /** Time spent in RTO recoveries, milliseconds. */
  totalRtoTimeMs?: number;
  /** macOS: bytes in the send socket buffer, in flight included. */
  sndSbBytes?: number;
  /** macOS: bytes received out of order. */
  rxOutOfOrderBytes?: number;
}

type NumberKey = {
  [K in keyof TcpInfo]-?: TcpInfo[K] extends number | undefined ? K : never;
}[keyof TcpInfo];

/** How a C field becomes a TcpInfo field. */
const enum Kind {
  Plain,
  /** milliseconds → µs (macOS times) */
  MsToUs,
  /** all bits set (unlimited) → Infinity */
  AllOnesInfinite,
  /** ≥ 0x7fffffff (TCP_INFINITE_SSTHRESH) → Infinity */
  Ssthresh,
}

// [TcpInfo key, C name (without tcpi_), conversion]
const LINUX_FIELDS: readonly [NumberKey, string, Kind][] = [
  ['caState', 'ca_state', Kind.Plain],
  ['retransmits', 'retransmits', Kind.Plain],
  ['probes', 'probes', Kind.Plain],
  ['backoff', 'backoff', Kind.Plain],
  ['rto', 'rto', Kind.Plain],
  ['ato', 'ato', Kind.Plain],
  ['sndMss', 'snd_mss', Kind.Plain],
  ['rcvMss', 'rcv_mss', Kind.Plain],
  ['unacked', 'unacked', Kind.Plain],
  ['sacked', 'sacked', Kind.Plain],
  ['lost', 'lost', Kind.Plain],
  ['retrans', 'retrans', Kind.Plain],
  ['lastDataSentMs', 'last_data_sent', Kind.Plain],
  ['lastDataRecvMs', 'last_data_recv', Kind.Plain],
  ['lastAckRecvMs', 'last_ack_recv', Kind.Plain],
  ['pmtu', 'pmtu', Kind.Plain],
  ['rcvSsthresh', 'rcv_ssthresh', Kind.Plain],
  ['rtt', 'rtt', Kind.Plain],
  ['rttVar', 'rttvar', Kind.Plain],
  ['sndSsthresh', 'snd_ssthresh', Kind.Ssthresh],
  ['sndCwnd', 'snd_cwnd', Kind.Plain],
  ['advMss', 'advmss', Kind.Plain],
  ['reordering', 'reordering', Kind.Plain],
  ['rcvRtt', 'rcv_rtt', Kind.Plain],
  ['rcvSpace', 'rcv_space', Kind.Plain],
  ['totalRetrans', 'total_retrans', Kind.Plain],
  ['pacingRate', 'pacing_rate', Kind.AllOnesInfinite],
  ['maxPacingRate', 'max_pacing_rate', Kind.AllOnesInfinite],
  ['bytesAcked', 'bytes_acked', Kind.Plain],
  ['bytesReceived', 'bytes_received', Kind.Plain],
  ['segsOut', 'segs_out', Kind.Plain],
  ['segsIn', 'segs_in', Kind.Plain],
  ['notsentBytes', 'notsent_bytes', Kind.Plain],
  ['minRtt', 'min_rtt', Kind.Plain],
  ['dataSegsIn', 'data_segs_in', Kind.Plain],
  ['dataSegsOut', 'data_segs_out', Kind.Plain],
  ['deliveryRate', 'delivery_rate', Kind.Plain],
  ['busyTime', 'busy_time', Kind.Plain],
  ['rwndLimited', 'rwnd_limited', Kind.Plain],
  ['sndbufLimited', 'sndbuf_limited', Kind.Plain],
  ['delivered', 'delivered', Kind.Plain],
  ['deliveredCe', 'delivered_ce', Kind.Plain],
  ['bytesSent', 'bytes_sent', Kind.Plain],
  ['bytesRetrans', 'bytes_retrans', Kind.Plain],
  ['dsackDups', 'dsack_dups', Kind.Plain],
  ['reordSeen', 'reord_seen', Kind.Plain],
  ['rcvOooPack', 'rcv_ooopack', Kind.Plain],
  ['sndWnd', 'snd_wnd', Kind.Plain],
  ['rcvWnd', 'rcv_wnd', Kind.Plain],
  ['rehash', 'rehash', Kind.Plain],
  ['totalRto', 'total_rto', Kind.Plain],
  ['totalRtoRecoveries', 'total_rto_recoveries', Kind.Plain],
  ['totalRtoTimeMs', 'total_rto_time', Kind.Plain],
];

// macOS struct tcp_connection_info: only the fields whose meaning matches.
const DARWIN_FIELDS: readonly [NumberKey, string, Kind][] = [
  ['rto', 'rto', Kind.MsToUs],
  ['sndMss', 'maxseg', Kind.Plain],
  ['sndCwndBytes', 'snd_cwnd', Kind.Plain],
  ['sndWnd', 'snd_wnd', Kind.Plain],
  ['rcvWnd', 'rcv_wnd', Kind.Plain],
  ['rtt', 'srtt', Kind.MsToUs],
  ['rttVar', 'rttvar', Kind.MsToUs],
  ['sndSbBytes', 'snd_sbbytes', Kind.Plain],
  ['segsOut', 'txpackets', Kind.Plain],
  ['bytesSent', 'txbytes', Kind.Plain],
  ['bytesRetrans', 'txretransmitbytes', Kind.Plain],
  ['segsIn', 'rxpackets', Kind.Plain],
  ['bytesReceived', 'rxbytes', Kind.Plain],
  ['rxOutOfOrderBytes', 'rxoutoforderbytes', Kind.Plain],
  ['totalRetrans', 'txretransmitpackets', Kind.Plain],
];

interface Field {
  key: NumberKey;
  offset: number;
  size: number;
  kind: Kind;
}
interface Bits {
  offset: number;
  mask: number;
  shift: number;
}

interface Decoder {
  size: number;
  fields: Field[];
  state: Bits;
  options?: Bits;
  sndWscale?: Bits;
  rcvWscale?: Bits;
  appLimited?: Bits;
  /** State names by tcpi_state's value (a byte): an array, as a Map's lookup cost ~20 ns a call. */
  states: (TcpState | undefined)[];
  listen: number | undefined;
  linux: boolean;
}

function bitsOf(layout: NativeTcpInfoLayout, name: string): Bits | undefined {
  const entry = layout.bits[name];
  if (entry === undefined) return undefined;
  const [offset, mask] = entry;
  let shift = 0;
  while (shift < 8 && ((mask >> shift) & 1) === 0) shift++;
  return { offset, mask, shift };
}

function makeDecoder(layout: NativeTcpInfoLayout): Decoder | undefined {
  const state = bitsOf(layout, 'state');
  if (state === undefined) return undefined;
  const linux = layout.struct === 'tcp_info';
  const fields: Field[] = [];
  for (const [key, name, kind] of linux ? LINUX_FIELDS : DARWIN_FIELDS) {
    const entry = layout.fields[name];
    if (entry !== undefined) fields.push({ key, offset: entry[0], size: entry[1], kind });
  }
  const states: (TcpState | undefined)[] = new Array<TcpState | undefined>(256).fill(undefined);
  for (const [name, value] of Object.entries(layout.states)) {
    if (Number.isInteger(value) && value >= 0 && value < 256) states[value] = name as TcpState;
  }
  return {
    size: layout.size,
    fields,
    state,
    // macOS's tcpi_options is a different bit set: left out there.
    options: linux ? bitsOf(layout, 'options') : undefined,
    sndWscale: bitsOf(layout, 'snd_wscale'),
    rcvWscale: bitsOf(layout, 'rcv_wscale'),
    appLimited: bitsOf(layout, 'delivery_rate_app_limited'),
    states,
    listen: layout.states.listen,
    linux,
  };
}

// Read once: the addon builds the layout when it is read.
const tcpInfoLayout = native.layout.tcpInfo;
const decoder = tcpInfoLayout === undefined ? undefined : makeDecoder(tcpInfoLayout);
const littleEndian = endianness() === 'LE';

function readUnsigned(b: Uint8Array, offset: number, size: number): number {
  if (size === 1) return b[offset];
  if (size === 2) return littleEndian ? b[offset] | (b[offset + 1] << 8) : (b[offset] << 8) | b[offset + 1];
  const u32 = (o: number): number =>
    littleEndian
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  if (size === 4) return u32(offset);
  const lo = u32(littleEndian ? offset : offset + 4);
  const hi = u32(littleEndian ? offset + 4 : offset);
  if (lo === 0xffffffff && hi === 0xffffffff) return -1; // all ones: the caller decides
  return hi * 0x100000000 + lo;
}

function readBits(b: Uint8Array, length: number, bits: Bits | undefined): number | undefined {
  if (bits === undefined || bits.offset >= length) return undefined;
  return (b[bits.offset] & bits.mask) >> bits.shift;
}

// The conversions of Kind, for an 8-byte value u64 gave (-1: all ones);
// shorter values are never -1.
const plain = (v: number): number => (v === -1 ? 2 ** 64 : v);
const msToUs = (v: number): number => (v === -1 ? 2 ** 64 : v * 1000);
const allOnesInfinite = (v: number): number => (v === -1 ? Infinity : v);
const ssthresh = (v: number): number => (v === -1 ? 2 ** 64 : v >= 0x7fffffff ? Infinity : v);
/** The 8-byte unsigned of words lo and hi, -1 when all ones (as readUnsigned). */
const u64 = (u32: Uint32Array, lo: number, hi: number): number => {
  const l = u32[lo];
  const h = u32[hi];
  return l === 0xffffffff && h === 0xffffffff ? -1 : h * 0x100000000 + l;
};

/** Views of one aligned answer: its bytes, 16-bit and 32-bit words (host order). */
interface Views {
  u8: Uint8Array;
  u16: Uint16Array;
  u32: Uint32Array;
}
function viewsOf(buffer: ArrayBufferLike, byteOffset: number, byteLength: number): Views {
  return {
    u8: new Uint8Array(buffer, byteOffset, byteLength),
    u16: new Uint16Array(buffer, byteOffset, byteLength >> 1),
    u32: new Uint32Array(buffer, byteOffset, byteLength >> 2),
  };
}

type FullDecode = (u8: Uint8Array, u16: Uint16Array, u32: Uint32Array, state: TcpState) => TcpInfo;

/**
 * The decoder of a full-length answer (what the running kernel gives when
 * it is at least as new as the headers), compiled once from this build's
 * layout into one object literal. decodeTcpInfo's loop adds ~50 properties
 * by computed key, which turns each result into a dictionary-mode object
 * (about 10 us a call, against 1 us for the system call); the literal has
 * one fixed shape and gives the same keys, in the same order, with the same
 * values (test/tcpinfo.test.ts compares the two). The source is made only
 * of this file's own field names and the layout's integers, both checked
 * here. undefined where code generation is disallowed
 * (--disallow-code-generation-from-strings): then every answer takes the loop.
 */
function compileFullDecoder(d: Decoder): FullDecode | undefined {
  const name = /^[A-Za-z][A-Za-z0-9]*$/;
  const small = (n: number): boolean => Number.isInteger(n) && n >= 0 && n < 0x10000;
  const bits = (x: Bits): string | undefined =>
    small(x.offset) && small(x.mask) && small(x.shift) ? `((u8[${x.offset}] & ${x.mask}) >> ${x.shift})` : undefined;
  const parts = ['state: state'];
  const flags: [string, Bits | undefined][] = [
    ['options', d.options],
    ['sndWscale', d.sndWscale],
    ['rcvWscale', d.rcvWscale],
  ];
  for (const [key, x] of flags) {
    if (x === undefined) continue;
    const read = bits(x);
    if (read === undefined) return undefined;
    parts.push(`${key}: ${read}`);
  }
  if (d.appLimited !== undefined) {
    const read = bits(d.appLimited);
    if (read === undefined) return undefined;
    parts.push(`deliveryRateAppLimited: ${read} !== 0`);
  }
  const convert = ['plain', 'msToUs', 'allOnesInfinite', 'ssthresh'];
  const keys = new Set<string>();
  for (const f of d.fields) {
    // Each field at a multiple of its size, as C lays it out: read as one
    // element of a typed array (host order, as the kernel wrote it).
    if (!name.test(f.key) || !small(f.offset) || f.offset % f.size !== 0 || convert[f.kind] === undefined) {
      return undefined;
    }
    keys.add(f.key);
    let value: string;
    if (f.size === 8) {
      const word = f.offset >> 2;
      const [lo, hi] = littleEndian ? [word, word + 1] : [word + 1, word];
      value = `${convert[f.kind]}(u64(u32, ${lo}, ${hi}))`;
    } else {
      // 1 to 4 bytes: never all-ones -1, so only the unit and TCP_INFINITE_SSTHRESH matter.
      if (f.size === 1) value = `u8[${f.offset}]`;
      else if (f.size === 2) value = `u16[${f.offset >> 1}]`;
      else if (f.size === 4) value = `u32[${f.offset >> 2}]`;
      else return undefined;
      if (f.kind === Kind.MsToUs) value = `${value} * 1000`;
      else if (f.kind === Kind.Ssthresh) value = `ssthresh(${value})`;
    }
    parts.push(`${f.key}: ${value}`);
  }
  const cwndBytes = d.linux && keys.has('sndCwnd') && keys.has('sndMss');
  if (cwndBytes) parts.push('sndCwndBytes: 0');
  const body =
    `'use strict';\nreturn function decodeFullTcpInfo(u8, u16, u32, state) {\n` +
    `  const o = { ${parts.join(', ')} };\n` +
    (cwndBytes ? '  o.sndCwndBytes = o.sndCwnd * o.sndMss;\n' : '') +
    '  return o;\n};';
  try {
    const make = new Function('plain', 'msToUs', 'allOnesInfinite', 'ssthresh', 'u64', body) as (
      ...helpers: unknown[]
    ) => FullDecode;
    return make(plain, msToUs, allOnesInfinite, ssthresh, u64);
  } catch {
    return undefined;
  }
}

let fullDecoder: FullDecode | undefined | null = null;
let scratch: Views | undefined;
/** The addon's byte area (16-byte aligned), where tcpInfoFd reads the answer. */
const areaU8 = areaBytes();
const area: Views = viewsOf(areaU8.buffer, areaU8.byteOffset, areaU8.byteLength);

/**
 * Decodes the first `length` bytes of a TCP_INFO (or TCP_CONNECTION_INFO)
 * answer (at most the bytes `b` holds). A field that ends past them is left out.
 */
export function decodeTcpInfo(b: Uint8Array, length: number): TcpInfo {
  if (length > b.length) length = b.length;
  const d = decoder!;
  const code = readBits(b, length, d.state);
  const state: TcpState = code === undefined ? 'unknown' : (d.states[code] ?? 'unknown');
  if (length >= d.size && !(d.linux && code === d.listen)) {
    if (fullDecoder === null) fullDecoder = compileFullDecoder(d);
    if (fullDecoder !== undefined) {
      let v: Views;
      if (b === areaU8) v = area;
      else {
        // Any other bytes (a Buffer at any offset): copied to an aligned scratch first.
        scratch ??= viewsOf(new ArrayBuffer((d.size + 7) & ~7), 0, (d.size + 7) & ~7);
        scratch.u8.set(b.length === d.size ? b : b.subarray(0, d.size));
        v = scratch;
      }
      return fullDecoder(v.u8, v.u16, v.u32, state);
    }
  }
  return decodeByField(b, length, d, code, state);
}

/** decodeTcpInfo field by field, whatever the length (test/tcpinfo.test.ts compares the two ways). */
export function decodeTcpInfoByField(b: Uint8Array, length: number): TcpInfo {
  if (length > b.length) length = b.length;
  const d = decoder!;
  const code = readBits(b, length, d.state);
  return decodeByField(b, length, d, code, code === undefined ? 'unknown' : (d.states[code] ?? 'unknown'));
}

/** Short answers, listeners, and where nothing can be compiled. */
function decodeByField(b: Uint8Array, length: number, d: Decoder, code: number | undefined, state: TcpState): TcpInfo {
  if (d.linux && code !== undefined && code === d.listen) {
    // A listener has no connection: Linux reports its accept queue in
    // tcpi_unacked / tcpi_sacked, and nothing else that means anything.
    const out: TcpInfo = { state };
    for (const f of d.fields) {
      if (f.offset + f.size > length) continue;
      if (f.key === 'unacked') out.acceptQueue = readUnsigned(b, f.offset, f.size);
      else if (f.key === 'sacked') out.acceptQueueMax = readUnsigned(b, f.offset, f.size);
    }
    return out;
  }
  const out: TcpInfo = { state };
  const options = readBits(b, length, d.options);
  if (options !== undefined) out.options = options;
  const snd = readBits(b, length, d.sndWscale);
  if (snd !== undefined) out.sndWscale = snd;
  const rcv = readBits(b, length, d.rcvWscale);
  if (rcv !== undefined) out.rcvWscale = rcv;
  const app = readBits(b, length, d.appLimited);
  if (app !== undefined) out.deliveryRateAppLimited = app !== 0;
  for (const f of d.fields) {
    if (f.offset + f.size > length) continue;
    let v = readUnsigned(b, f.offset, f.size);
    if (v === -1) v = f.kind === Kind.AllOnesInfinite ? Infinity : 2 ** 64;
    else if (f.kind === Kind.MsToUs) v *= 1000;
    else if (f.kind === Kind.Ssthresh && v >= 0x7fffffff) v = Infinity;
    out[f.key] = v;
  }
  if (d.linux && out.sndCwnd !== undefined && out.sndMss !== undefined) out.sndCwndBytes = out.sndCwnd * out.sndMss;
  return out;
}

const TCP_INFO_OPTION = constant('TCP_INFO') ?? constant('TCP_CONNECTION_INFO');
const IPPROTO_TCP = constant('IPPROTO_TCP');

/** Reads TCP_INFO from an fd already resolved (the struct's size as this build's header declares it). */
export function tcpInfoFd(fd: number): TcpInfo {
  if (decoder === undefined || TCP_INFO_OPTION === undefined || IPPROTO_TCP === undefined) {
    throw unavailable('tcpInfo (TCP_INFO)');
  }
  if (decoder.size > areaSize()) {
    const buf = getBytesFd(fd, IPPROTO_TCP, TCP_INFO_OPTION, decoder.size);
    return decodeTcpInfo(buf, buf.length);
  }
  // Read in place, in the addon's byte area: no Buffer made and copied.
  return decodeTcpInfo(areaBytes(), getAreaFd(fd, IPPROTO_TCP, TCP_INFO_OPTION, decoder.size));
}

/**
 * The connection's TCP_INFO (Linux) or TCP_CONNECTION_INFO (macOS), typed.
 * Listening sockets (Linux) give `{ state: 'listen', acceptQueue, acceptQueueMax }`.
 * A UDP socket or any non-TCP descriptor fails with the kernel's error
 * (code ENOTSUP) as a system error.
 */
export function tcpInfo(sock: SocketLike): TcpInfo {
  return tcpInfoFd(resolveFd(sock));
}
