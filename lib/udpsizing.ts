// UDP receive buffers sized in datagrams. A UDP receive buffer is charged
// each datagram's kernel memory (its sk_buff's truesize), not its payload: on
// Linux a 64-byte datagram costs hundreds of bytes. This measures that cost
// on loopback at run time and turns "N datagrams per second, a pause of T"
// into the number to pass to setRecvBufferSize.
import type * as dgram from 'node:dgram';
import { once } from 'node:events';
import { invalidArgType, outOfRange, unavailable } from './errors.js';
import { socketMemory } from './observe.js';
import { setRecvBufferSize } from './sizes.js';
import { INT32_MAX, validateInteger, validateNumber, validateOptions } from './validate.js';

/** Largest UDP payload over IPv4 (65535 - 20 IP - 8 UDP) and IPv6 (65535 - 8). */
const MAX_PAYLOAD = { udp4: 65507, udp6: 65527 } as const;

export interface DatagramCost {
  /** The payload measured, bytes. */
  payloadBytes: number;
  /** Receive-buffer memory one queued datagram of that payload takes on loopback, bytes (SO_MEMINFO r / datagrams queued). */
  bytesPerDatagram: number;
  /** Datagrams the probe queued (sent minus dropped). */
  datagrams: number;
  family: 'udp4' | 'udp6';
}

export interface MeasureOptions {
  /** 'udp4' (default, 127.0.0.1) or 'udp6' (::1). */
  family?: 'udp4' | 'udp6';
  /** Datagrams to send, 2 to 1024 (default 32). */
  datagrams?: number;
}

function validateFamily(value: unknown, name: string): 'udp4' | 'udp6' {
  if (value === undefined) return 'udp4';
  if (value !== 'udp4' && value !== 'udp6') throw invalidArgType(name, "'udp4' or 'udp6'", value);
  return value;
}

async function probe(payload: number, family: 'udp4' | 'udp6', count: number): Promise<DatagramCost> {
  // Loaded on first use, not when sockbuf is required.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createSocket } = require('node:dgram') as typeof dgram;
  const host = family === 'udp4' ? '127.0.0.1' : '::1';
  const receiver = createSocket(family);
  const sender = createSocket(family);
  try {
    receiver.bind(0, host);
    await once(receiver, 'listening');
    // Room for the probe when the limits allow it; drops are counted anyway.
    setRecvBufferSize(receiver, Math.min(8 << 20, count * (2 * payload + 2048)));
    sender.connect(receiver.address().port, host);
    await once(sender, 'connect');
    const data = Buffer.alloc(payload, 0x5a);
    // A connected dgram socket sends at once (libuv's sendmsg runs inside
    // send()), and this process's event loop does not run until the loop
    // ends: nothing reads the receiver in between.
    const before = socketMemory(receiver);
    for (let i = 0; i < count; i++) sender.send(data);
    const after = socketMemory(receiver);
    const queued = count - (after.drops - before.drops);
    const bytes = after.recvAllocated - before.recvAllocated;
    if (queued <= 0 || bytes <= 0) {
      throw unavailable('measureDatagramCost (no datagram was queued on loopback)');
    }
    return { payloadBytes: payload, bytesPerDatagram: Math.ceil(bytes / queued), datagrams: queued, family };
  } finally {
    sender.close();
    receiver.close();
  }
}

/**
 * Measures what one datagram of `payloadBytes` costs a receive buffer on
 * this machine: it sends datagrams over loopback to a bound socket that does
 * not read them, and divides the receive memory they take (SO_MEMINFO) by
 * their number. Linux only (SO_MEMINFO). Real network cards often cost more
 * per datagram than loopback (their drivers allocate fixed-size buffers per
 * frame): check on the real receiver with socketMemory(sock).recvAllocated
 * divided by the datagrams queued during a stall.
 */
export async function measureDatagramCost(payloadBytes: number, options?: MeasureOptions): Promise<DatagramCost> {
  const opts: Partial<MeasureOptions> =
    options === undefined ? {} : validateOptions<MeasureOptions>(options, 'options');
  const family = validateFamily(opts.family, 'options.family');
  const count = opts.datagrams === undefined ? 32 : validateInteger(opts.datagrams, 'options.datagrams', 2, 1024);
  const payload = validateInteger(payloadBytes, 'payloadBytes', 0, MAX_PAYLOAD[family]);
  return probe(payload, family, count);
}

export interface UdpBufferOptions {
  /** Datagrams per second arriving at the receiver. */
  rate: number;
  /** Payload of each datagram, bytes. */
  payload: number;
  /** The longest time the receiver does not read (an event-loop stall, a GC pause), seconds. */
  pause: number;
  /** Safety factor on the datagrams of one pause (default 1.25: timer and scheduling jitter). */
  headroom?: number;
  /** 'udp4' (default) or 'udp6'. */
  family?: 'udp4' | 'udp6';
}

export interface UdpBufferRecommendation {
  /** The number to pass to setRecvBufferSize(sock, udpBufferBytes), bytes. */
  udpBufferBytes: number;
  /** What the kernel will report for it (Linux doubles the request), bytes. */
  kernelBytes: number;
  /** Datagrams that arrive during one pause, with the headroom. */
  datagrams: number;
  /** The loopback measurement it is built on. */
  cost: DatagramCost;
  rate: number;
  payload: number;
  pause: number;
  headroom: number;
  /** Things to know before trusting the number. */
  notes: string[];
}

function positive(value: unknown, name: string, max: number): number {
  return validateNumber(value, name, 0, max, true);
}

/**
 * The receive buffer that holds every datagram arriving during a pause of
 * the reader: ceil(rate × pause × headroom) datagrams × the cost of one,
 * measured now on loopback (measureDatagramCost). On Linux the result is
 * halved, because the kernel doubles what setRecvBufferSize asks.
 */
export async function recommendUdpBuffer(options: UdpBufferOptions): Promise<UdpBufferRecommendation> {
  validateOptions(options, 'options');
  const { rate, payload, pause, headroom, family } = options;
  const r = positive(rate, 'options.rate', 1e9);
  const p = positive(pause, 'options.pause', 3600);
  const h = headroom === undefined ? 1.25 : positive(headroom, 'options.headroom', 100);
  const fam = validateFamily(family, 'options.family');
  if (h < 1) throw outOfRange('options.headroom', '>= 1', h);
  const size = validateInteger(payload, 'options.payload', 0, MAX_PAYLOAD[fam]);
  const cost = await probe(size, fam, 32);
  const datagrams = Math.ceil(r * p * h);
  const kernelBytes = datagrams * cost.bytesPerDatagram;
  const doubles = process.platform === 'linux';
  const udpBufferBytes = doubles ? Math.ceil(kernelBytes / 2) : kernelBytes;
  // A socket buffer is an int in the kernel (Linux grants at most INT_MAX / 2
  // to a request, since it doubles it): advice past that cannot be followed.
  const ceiling = doubles ? Math.floor(INT32_MAX / 2) : INT32_MAX;
  if (udpBufferBytes > ceiling) {
    throw outOfRange(
      'options',
      `a rate × pause × headroom whose datagrams fit in one socket buffer (at most ${ceiling} bytes here; this asks for ${udpBufferBytes}): read more often, or spread the traffic over several sockets (SO_REUSEPORT)`,
      { rate: r, payload: size, pause: p, headroom: h },
    );
  }
  const notes = [
    `Measured on loopback: one ${size}-byte datagram takes ${cost.bytesPerDatagram} bytes of receive buffer here.`,
    'A real network card can cost more per datagram (drivers allocate whole buffers per frame): on the receiving machine, stall the reader and compare socketMemory(sock).recvAllocated with the number of datagrams queued (or watch socketMemory(sock).drops).',
  ];
  if (doubles) {
    notes.push(
      `Linux doubles the request: setRecvBufferSize(sock, ${udpBufferBytes}) gives a ${kernelBytes}-byte buffer; past net.core.rmem_max it needs { force: true } and CAP_NET_ADMIN, or a higher rmem_max.`,
    );
  }
  return { udpBufferBytes, kernelBytes, datagrams, cost, rate: r, payload: size, pause: p, headroom: h, notes };
}
