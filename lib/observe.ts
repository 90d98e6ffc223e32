// What the kernel is doing with a socket: queued bytes, memory, drops.
import { loadNative } from './binding.js';
import { constant } from './constants.js';
import { coded, unavailable } from './errors.js';
import { ErrorCodes } from './codes.js';
import { areaSize, areaWord, getAreaFd, queuedFd } from './raw.js';
import { resolveFd, type SocketLike } from './resolve.js';

// This module loads on the first call that needs it; the binary loads with it.
const native = loadNative();

/**
 * SO_MEMINFO (Linux): the socket's memory accounting, the same numbers as
 * `ss -m` prints as skmem:(r,rb,t,tb,f,w,o,bl,d).
 */
export interface SocketMemory {
  /** r: bytes allocated to data in the receive queue. */
  recvAllocated: number;
  /** rb: the receive buffer size (SO_RCVBUF). */
  recvBuffer: number;
  /** t: bytes allocated to data being sent (in flight to the device). */
  sendAllocated: number;
  /** tb: the send buffer size (SO_SNDBUF). */
  sendBuffer: number;
  /** f: memory the socket has reserved but not yet used. */
  forwardAllocated: number;
  /** w: bytes queued for sending (TCP: written, not yet acknowledged). */
  sendQueued: number;
  /** o: option memory (ancillary data, filters). */
  optionMemory: number;
  /** bl: bytes in the backlog queue (arrived while the socket was locked). */
  backlog: number;
  /** d: packets dropped (UDP: datagrams lost to a full receive buffer, among others). */
  drops: number;
}

export interface QueuedBytes {
  /** Bytes waiting to be read (SIOCINQ). For UDP: the size of the next datagram only. */
  recv: number;
  /**
   * Bytes in the send queue (SIOCOUTQ). TCP: every byte written and not yet
   * acknowledged by the peer, including bytes never sent yet (see `unsent`).
   * UDP: bytes not yet handed to the network device.
   */
  send: number;
  /**
   * TCP: the part of `send` not sent yet (SIOCOUTQNSD), so `send - unsent`
   * is in flight (sent, not acknowledged). null where the kernel keeps no
   * such count: UDP and Unix domain sockets, macOS.
   */
  unsent: number | null;
}

// SO_MEMINFO's u32 slots, resolved once: the catalog's indexes (from
// linux/sock_diag.h) for each field, or -1 when this platform has none.
const MEMINFO_FIELDS = [
  'SK_MEMINFO_RMEM_ALLOC',
  'SK_MEMINFO_RCVBUF',
  'SK_MEMINFO_WMEM_ALLOC',
  'SK_MEMINFO_SNDBUF',
  'SK_MEMINFO_FWD_ALLOC',
  'SK_MEMINFO_WMEM_QUEUED',
  'SK_MEMINFO_OPTMEM',
  'SK_MEMINFO_BACKLOG',
  'SK_MEMINFO_DROPS',
] as const;
const [RMEM_ALLOC, RCVBUF, WMEM_ALLOC, SNDBUF, FWD_ALLOC, WMEM_QUEUED, OPTMEM, BACKLOG, DROPS] = MEMINFO_FIELDS.map(
  (name) => constant(name) ?? -1,
);
const SOL_SOCKET = constant('SOL_SOCKET');
const SO_MEMINFO = constant('SO_MEMINFO');
const MEMINFO_SIZE = native.layout.meminfoSize;
/** Bytes an answer must have for every field above to be in it. */
const MEMINFO_NEEDED =
  (Math.max(RMEM_ALLOC, RCVBUF, WMEM_ALLOC, SNDBUF, FWD_ALLOC, WMEM_QUEUED, OPTMEM, BACKLOG, DROPS) + 1) * 4;
const MEMINFO_USABLE =
  SO_MEMINFO !== undefined &&
  MEMINFO_SIZE !== undefined &&
  MEMINFO_SIZE <= areaSize() &&
  Math.min(RMEM_ALLOC, RCVBUF, WMEM_ALLOC, SNDBUF, FWD_ALLOC, WMEM_QUEUED, OPTMEM, BACKLOG, DROPS) >= 0;

/** The socket's memory and drop counter (Linux SO_MEMINFO). */
export function socketMemory(sock: SocketLike): SocketMemory {
  return socketMemoryFd(resolveFd(sock));
}

/** socketMemory on a descriptor already resolved. */
export function socketMemoryFd(fd: number): SocketMemory {
  if (!MEMINFO_USABLE) throw unavailable('socketMemory (SO_MEMINFO)');
  // The answer stays in the addon's byte area: read the words from there.
  const length = getAreaFd(fd, SOL_SOCKET, SO_MEMINFO!, MEMINFO_SIZE!);
  if (length < MEMINFO_NEEDED) {
    // An older kernel (or an emulator) answered with fewer fields: never
    // report a missing drop counter as zero drops.
    throw coded(
      `socketMemory: this kernel's SO_MEMINFO answer has ${length} of the ${MEMINFO_NEEDED} bytes its counters need; they cannot be reported`,
      ErrorCodes.UNAVAILABLE,
    );
  }
  return {
    recvAllocated: areaWord(RMEM_ALLOC),
    recvBuffer: areaWord(RCVBUF),
    sendAllocated: areaWord(WMEM_ALLOC),
    sendBuffer: areaWord(SNDBUF),
    forwardAllocated: areaWord(FWD_ALLOC),
    sendQueued: areaWord(WMEM_QUEUED),
    optionMemory: areaWord(OPTMEM),
    backlog: areaWord(BACKLOG),
    drops: areaWord(DROPS),
  };
}

const scratch = { recv: 0, send: 0, unsent: 0 };

/**
 * Bytes waiting in the receive and send queues, and the never-sent part of
 * the send queue (TCP on Linux).
 */
export function queuedBytes(sock: SocketLike): QueuedBytes {
  const fd = resolveFd(sock);
  queuedFd(fd, scratch);
  return { recv: scratch.recv, send: scratch.send, unsent: scratch.unsent < 0 ? null : scratch.unsent };
}
