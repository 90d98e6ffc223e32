// What the kernel is doing with a socket: queued bytes, memory, drops.
import { native } from './binding';
import { constants, type ConstantName } from './constants';
import { coded, ErrorCodes, systemError, unavailable } from './errors';
import { getBytesFd } from './raw';
import { resolveFd, type SocketLike } from './resolve';

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
  /** Bytes not yet sent (TCP: not yet acknowledged) (SIOCOUTQ). */
  send: number;
}

const MEMINFO_FIELDS: readonly [keyof SocketMemory, ConstantName][] = [
  ['recvAllocated', 'SK_MEMINFO_RMEM_ALLOC'],
  ['recvBuffer', 'SK_MEMINFO_RCVBUF'],
  ['sendAllocated', 'SK_MEMINFO_WMEM_ALLOC'],
  ['sendBuffer', 'SK_MEMINFO_SNDBUF'],
  ['forwardAllocated', 'SK_MEMINFO_FWD_ALLOC'],
  ['sendQueued', 'SK_MEMINFO_WMEM_QUEUED'],
  ['optionMemory', 'SK_MEMINFO_OPTMEM'],
  ['backlog', 'SK_MEMINFO_BACKLOG'],
  ['drops', 'SK_MEMINFO_DROPS'],
];

/** The socket's memory and drop counter (Linux SO_MEMINFO). */
export function socketMemory(sock: SocketLike): SocketMemory {
  const fd = resolveFd(sock);
  const size = native.layout.meminfoSize;
  if (constants.SO_MEMINFO === undefined || size === undefined) throw unavailable('socketMemory (SO_MEMINFO)');
  const buf = getBytesFd(fd, constants.SOL_SOCKET, constants.SO_MEMINFO, size);
  const out = {} as SocketMemory;
  for (const [key, constant] of MEMINFO_FIELDS) {
    const index = constants[constant];
    if (index === undefined || (index + 1) * 4 > buf.length) {
      // An older kernel (or an emulator) answered with fewer fields: never
      // report a missing drop counter as zero drops.
      throw coded(
        `socketMemory: this kernel's SO_MEMINFO answer has no ${constant} (${buf.length} of ${size} bytes); its counters cannot be reported`,
        ErrorCodes.UNAVAILABLE,
      );
    }
    out[key] = buf.readUInt32LE(index * 4);
  }
  return out;
}

function queued(fd: number, which: 0 | 1): number {
  const value = native.queued(fd, which);
  if (value === undefined) {
    const errno = native.lastErrno();
    throw systemError(errno, 'ioctl', fd, { label: which === 0 ? 'SIOCINQ' : 'SIOCOUTQ' });
  }
  return value;
}

/** Bytes waiting in the receive and send queues. */
export function queuedBytes(sock: SocketLike): QueuedBytes {
  const fd = resolveFd(sock);
  return { recv: queued(fd, 0), send: queued(fd, 1) };
}
