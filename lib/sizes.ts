// SO_RCVBUF / SO_SNDBUF: set what was asked, read back what the kernel
// granted, and say why they differ.
import type * as net from 'node:net';
import { constants as osConstants, endianness as osEndianness } from 'node:os';
import { debuglog } from 'node:util';
import { constant } from './constants.js';
import { invalidArgType, invalidArgValue } from './errors.js';
import { bufferCap } from './limits.js';
import {
  getBytesFd,
  getIntFd,
  getIntFdErrno,
  lastIntValue,
  optionError,
  setGetFailedRead,
  setGetIntFdErrno,
  setIntFd,
  setIntFdErrno,
} from './raw.js';
import { isNetServer, KIND_UNIX, KIND_UNKNOWN, lastResolvedKind, resolveFd, type SocketLike } from './resolve.js';
import { readFailed, validateBoolean, validateOptions, validateSize } from './validate.js';

const debug = debuglog('sockbuf');
// Fixed for the process (NODE_DEBUG is read once); the getter costs ~15 ns a set.
const DEBUG = debug.enabled;

export type Direction = 'recv' | 'send';

/** What one buffer-size request got. */
export interface BufferSizeReport {
  /** The size asked for, in bytes. */
  requested: number;
  /** What the kernel granted, in the units of `requested` (Linux: effective / 2; elsewhere effective). */
  granted: number;
  /** The kernel's value read back after the set (Linux reports twice the size granted: half is bookkeeping). */
  effective: number;
  /** True when the kernel granted less than asked: granted < requested. */
  clamped: boolean;
  /** The cap a non-forced request is held to (net.core.rmem_max / wmem_max, kern.ipc.maxsockbuf), or null when unknown. */
  limit: number | null;
  /** True when SO_RCVBUFFORCE / SO_SNDBUFFORCE was used (needs CAP_NET_ADMIN). */
  forced: boolean;
  /**
   * Present only when the size does not mean what it seems: on a Unix domain
   * socket the receive buffer does not limit what the peer can queue.
   */
  note?: string;
}

export interface BufferSizes {
  recv: number;
  send: number;
}

export interface SetBufferSizesOptions {
  /** Receive buffer size in bytes. */
  recv?: number;
  /** Send buffer size in bytes. */
  send?: number;
  /** Go past the system cap with SO_*BUFFORCE where the process may (CAP_NET_ADMIN); otherwise report the clamp. */
  force?: boolean;
}

export interface SetBufferSizeOptions {
  force?: boolean;
}

export interface BufferSizesReport {
  recv?: BufferSizeReport;
  send?: BufferSizeReport;
}

const SOL_SOCKET = constant('SOL_SOCKET');
const SO_DOMAIN = constant('SO_DOMAIN');
const AF_UNIX = constant('AF_UNIX');
const OPTION = { recv: constant('SO_RCVBUF'), send: constant('SO_SNDBUF') } as const;
const FORCE_OPTION = { recv: constant('SO_RCVBUFFORCE'), send: constant('SO_SNDBUFFORCE') } as const;
const { EPERM, ENOBUFS } = osConstants.errno;
const KERNEL_DOUBLES = process.platform === 'linux';

/** The report's note for a receive buffer set on a Unix domain socket. */
export const UNIX_RECV_NOTE =
  "a Unix domain socket's receive buffer does not limit what its peer can queue: the kernel charges queued data to the sender's SO_SNDBUF (and holds datagrams to net.unix.max_dgram_qlen), so set the send buffer on the sending side";

/** The size granted, in the units of the request: Linux reports twice what it grants. */
function grantedOf(effective: number): number {
  return KERNEL_DOUBLES ? Math.floor(effective / 2) : effective;
}

/**
 * macOS refuses sizes past kern.ipc.maxsockbuf with ENOBUFS instead of
 * clamping: find the largest size it accepts, as Linux would have clamped.
 */
function setLargestAccepted(fd: number, option: number, requested: number): void {
  let lo = 0;
  let hi = requested;
  while (lo + 1 < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const err = setIntFdErrno(fd, SOL_SOCKET, option, mid);
    if (err === 0) lo = mid;
    else if (err === ENOBUFS) hi = mid;
    else throw optionError(err, 'setsockopt', fd, SOL_SOCKET, option);
  }
  if (lo > 0) setIntFd(fd, SOL_SOCKET, option, lo);
}

/**
 * Whether `fd` is a Unix domain socket. `kind` is what resolveFd learned from
 * the socket's handle; only a bare descriptor (KIND_UNKNOWN) costs a
 * getsockopt(SO_DOMAIN), and only where the platform has SO_DOMAIN.
 */
function isUnix(fd: number, kind: number): boolean {
  if (kind !== KIND_UNKNOWN) return kind === KIND_UNIX;
  if (SO_DOMAIN === undefined || AF_UNIX === undefined) return false;
  const err = getIntFdErrno(fd, SOL_SOCKET, SO_DOMAIN);
  return err === 0 && lastIntValue() === AF_UNIX;
}

/** Sets one direction on an fd already resolved, and reports. */
function applyBufferSize(
  fd: number,
  direction: Direction,
  bytes: number,
  force: boolean,
  kind: number,
): BufferSizeReport {
  const option = OPTION[direction];
  const forceOption = FORCE_OPTION[direction];
  let forced = false;
  let effective = 0;
  // Each set and its read-back of `option` are one native call.
  if (force && forceOption !== undefined) {
    const err = setGetIntFdErrno(fd, SOL_SOCKET, forceOption, bytes, option);
    if (err === 0) {
      forced = true;
      effective = lastIntValue();
    } else if (setGetFailedRead()) throw optionError(err, 'getsockopt', fd, SOL_SOCKET, option);
    else if (err !== EPERM) throw optionError(err, 'setsockopt', fd, SOL_SOCKET, forceOption);
    // EPERM: no CAP_NET_ADMIN. Fall back to the normal option and report the clamp.
  }
  if (!forced) {
    const err = setGetIntFdErrno(fd, SOL_SOCKET, option, bytes, option);
    if (err === 0) effective = lastIntValue();
    else if (setGetFailedRead()) throw optionError(err, 'getsockopt', fd, SOL_SOCKET, option);
    else if (err === ENOBUFS && process.platform === 'darwin') {
      setLargestAccepted(fd, option, bytes);
      effective = getIntFd(fd, SOL_SOCKET, option);
    } else throw optionError(err, 'setsockopt', fd, SOL_SOCKET, option);
  }
  const granted = grantedOf(effective);
  const report: BufferSizeReport = {
    requested: bytes,
    granted,
    effective,
    clamped: granted < bytes,
    limit: bufferCap(direction),
    forced,
  };
  if (direction === 'recv' && isUnix(fd, kind)) report.note = UNIX_RECV_NOTE;
  if (DEBUG) {
    debug(
      'set %s buffer on fd %d: requested %d, granted %d, effective %d, limit %s, forced %s%s',
      direction,
      fd,
      bytes,
      granted,
      effective,
      report.limit === null ? 'unknown' : String(report.limit),
      forced,
      report.clamped ? ' (clamped)' : '',
    );
  }
  return report;
}

/** The kernel's SO_RCVBUF and SO_SNDBUF, as getsockopt reports them. */
export function getBufferSizes(sock: SocketLike): BufferSizes {
  const fd = resolveFd(sock);
  return { recv: getIntFd(fd, SOL_SOCKET, OPTION.recv), send: getIntFd(fd, SOL_SOCKET, OPTION.send) };
}

/** The kernel's SO_RCVBUF (on Linux, twice what was set). */
export function getRecvBufferSize(sock: SocketLike): number {
  return getIntFd(resolveFd(sock), SOL_SOCKET, OPTION.recv);
}

/** The kernel's SO_SNDBUF (on Linux, twice what was set). */
export function getSendBufferSize(sock: SocketLike): number {
  return getIntFd(resolveFd(sock), SOL_SOCKET, OPTION.send);
}

/** `{ force? }`, read once; undefined is `force: false` (and makes no object). */
function readForce(options: unknown, name: string): boolean {
  if (options === undefined) return false;
  const opts = validateOptions<SetBufferSizeOptions>(options, name);
  let force: unknown;
  try {
    force = opts.force;
  } catch (err) {
    throw readFailed(err, opts, name);
  }
  return force === undefined ? false : validateBoolean(force, name, 'force');
}

/** Sets SO_RCVBUF and reports what the kernel granted. */
export function setRecvBufferSize(sock: SocketLike, bytes: number, options?: SetBufferSizeOptions): BufferSizeReport {
  const size = validateSize(bytes, 'bytes');
  const force = readForce(options, 'options');
  const fd = resolveFd(sock);
  return applyBufferSize(fd, 'recv', size, force, lastResolvedKind());
}

/** Sets SO_SNDBUF and reports what the kernel granted. */
export function setSendBufferSize(sock: SocketLike, bytes: number, options?: SetBufferSizeOptions): BufferSizeReport {
  const size = validateSize(bytes, 'bytes');
  const force = readForce(options, 'options');
  const fd = resolveFd(sock);
  return applyBufferSize(fd, 'send', size, force, KIND_UNKNOWN);
}

/** Buffer sizes checked by validateSizes, ready for applySizes. */
export interface ValidSizes {
  recv?: number;
  send?: number;
  force: boolean;
}

/**
 * Reads and checks `{ recv?, send?, force? }` (each property read exactly
 * once; undefined is the same as {}), with no system call. Throws
 * ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE naming `name`.
 */
export function validateSizes(options: unknown, name: string): ValidSizes {
  if (options === undefined) return { recv: undefined, send: undefined, force: false };
  const opts = validateOptions<SetBufferSizesOptions>(options, name);
  let recv: unknown;
  let send: unknown;
  let force: unknown;
  try {
    recv = opts.recv;
    send = opts.send;
    force = opts.force;
  } catch (err) {
    throw readFailed(err, opts, name);
  }
  // One object of one shape (an absent size is undefined).
  return {
    recv: recv === undefined ? undefined : validateSize(recv, name, 'recv'),
    send: send === undefined ? undefined : validateSize(send, name, 'send'),
    force: force === undefined ? false : validateBoolean(force, name, 'force'),
  };
}

/**
 * Sets validated sizes on a descriptor already resolved (the system calls
 * only; no user code runs). `kind` is what resolveFd learned (lastResolvedKind),
 * KIND_UNKNOWN for a bare descriptor. Throws the kernel's error as a system error.
 */
export function applySizes(fd: number, sizes: ValidSizes, kind: number = KIND_UNKNOWN): BufferSizesReport {
  const { recv, send, force } = sizes;
  const report: BufferSizesReport = {};
  if (recv !== undefined) report.recv = applyBufferSize(fd, 'recv', recv, force, kind);
  if (send !== undefined) report.send = applyBufferSize(fd, 'send', send, force, kind);
  return report;
}

/**
 * Sets the receive and/or send buffer. Every argument is read and checked
 * before the descriptor is resolved and before the first system call, so a
 * bad `send` never leaves `recv` half-applied, and no getter on `options`
 * runs once the descriptor is known.
 */
export function setBufferSizes(sock: SocketLike, options: SetBufferSizesOptions): BufferSizesReport {
  if (options === undefined) throw invalidArgType('options', 'of type object', options);
  const sizes = validateSizes(options, 'options');
  const fd = resolveFd(sock);
  return applySizes(fd, sizes, lastResolvedKind());
}

// ---------------------------------------------------------------------------
// configureServer

export interface ConfigureServerOptions extends SetBufferSizesOptions {
  /**
   * Also set the sizes on every accepted socket. Default: false on Linux,
   * where accepted TCP sockets inherit the listening socket's sizes (and the
   * window scale is chosen from them during the handshake); true elsewhere.
   * Unix-domain servers and cluster workers always size each connection.
   */
  perConnection?: boolean;
}

/** What configureServer did to a listening server, and what the connections it accepts get. */
export interface ServerSizesReport extends BufferSizesReport {
  /**
   * SO_RCVBUF / SO_SNDBUF (as getsockopt reports them) of every connection
   * accepted from now on, or null where the kernel chooses (its default,
   * grown by autotuning on TCP). A direction set by an earlier call on this
   * listening socket and omitted now keeps the earlier size: the kernel
   * cannot give a set buffer back to autotuning.
   */
  accepted: { recv: number | null; send: number | null };
  /**
   * Connections that were already waiting in the accept queue with the old
   * sizes; each is sized on its own as Node accepts it (two setsockopt calls).
   */
  queued: number;
}

interface ServerConfig {
  sizes: ValidSizes;
  /** options.perConnection, or its default. */
  perConnection: boolean;
  /** Size each accepted socket: asked for, or needed (Unix-domain server, cluster worker, not Linux). */
  eachConnection: boolean;
  /** Accepted connections still to size one by one: queued before the listening socket had the sizes. */
  queued: number;
  /** The listening handle the sizes went to last (so "listening" does not apply them twice). */
  sizedHandle: object | null;
  /** SO_*BUFFORCE was refused (no CAP_NET_ADMIN): use the plain option without trying. */
  forceRefused: boolean;
}

interface ServerInternals {
  _handle?: object | null;
  _listen2?: (...args: unknown[]) => unknown;
}

const serverConfigs = new WeakMap<net.Server, ServerConfig>();
/** Directions set on a listening handle by any configureServer call: the kernel keeps them locked. */
const lockedDirections = new WeakMap<object, Set<Direction>>();
const DIRECTIONS: readonly Direction[] = ['recv', 'send'];
const TCP_INFO = constant('TCP_INFO') as number | undefined;
const IPPROTO_TCP = constant('IPPROTO_TCP') as number | undefined;
const TCP_LISTEN = 10;
/**
 * Where the accept queue cannot be read (not Linux), a server configured
 * after listen() sizes this many accepted connections one by one: more than
 * any default accept queue holds (macOS caps it at kern.ipc.somaxconn, 128).
 */
const UNKNOWN_QUEUE = 1024;

function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

function handleOf(server: net.Server): object | null {
  return (server as unknown as ServerInternals)._handle ?? null;
}

/**
 * Connections the kernel completed and queued on a listening socket that
 * Node has not accepted yet. Linux reports the accept queue's length in a
 * listening socket's tcp_info (tcpi_unacked, 4 bytes at offset 24).
 */
function acceptQueueLength(fd: number): number {
  if (process.platform !== 'linux') return UNKNOWN_QUEUE;
  if (TCP_INFO === undefined || IPPROTO_TCP === undefined) return UNKNOWN_QUEUE;
  let info: Buffer;
  try {
    info = getBytesFd(fd, IPPROTO_TCP, TCP_INFO, 32);
  } catch {
    return UNKNOWN_QUEUE;
  }
  if (info.length < 28 || info[0] !== TCP_LISTEN) return UNKNOWN_QUEUE;
  return osEndianness() === 'LE' ? info.readUInt32LE(24) : info.readUInt32BE(24);
}

/** Sizes the listening socket now, and counts the connections queued before it had the sizes. */
function sizeListener(server: net.Server, config: ServerConfig): ServerSizesReport | undefined {
  const handle = handleOf(server);
  let fd: number;
  try {
    fd = resolveFd(server, 'server');
  } catch (err) {
    // A cluster worker's server has no socket of its own: size each connection.
    if (errorCode(err) === 'ERR_SOCKBUF_NO_FD' && server.listening) {
      config.eachConnection = true;
      config.sizedHandle = handle;
      return undefined;
    }
    throw err;
  }
  // What the handle said about the descriptor (no system call, no server
  // method that a subclass could override).
  const kind = lastResolvedKind();
  config.sizedHandle = handle;
  // Accepted Unix-domain sockets do not inherit the listening socket's sizes.
  config.eachConnection = config.perConnection || kind === KIND_UNIX;
  const report = applySizes(fd, config.sizes, kind) as ServerSizesReport;
  if (config.sizes.force && (report.recv?.forced === false || report.send?.forced === false)) {
    config.forceRefused = true;
  }
  let locked = handle === null ? undefined : lockedDirections.get(handle);
  if (locked === undefined) {
    locked = new Set();
    if (handle !== null) lockedDirections.set(handle, locked);
  }
  const accepted: ServerSizesReport['accepted'] = { recv: null, send: null };
  for (const direction of DIRECTIONS) {
    const set = report[direction];
    if (set !== undefined) {
      locked.add(direction);
      accepted[direction] = set.effective;
    } else if (locked.has(direction) && kind !== KIND_UNIX) {
      accepted[direction] = getIntFd(fd, SOL_SOCKET, OPTION[direction]);
    }
  }
  report.accepted = accepted;
  // Read after the set: a connection the kernel queued before it is counted.
  report.queued = config.eachConnection ? 0 : acceptQueueLength(fd);
  config.queued = report.queued;
  return report;
}

/** sizeListener for the listen paths, where an error cannot be thrown to the caller. */
function sizeListenerOrEmit(server: net.Server, config: ServerConfig): void {
  try {
    sizeListener(server, config);
  } catch (err) {
    process.nextTick(() => server.emit('error', err));
  }
}

/**
 * Node creates a server's listening socket in server._listen2 (a name Node
 * keeps for code that wraps it), which calls listen(2) and returns before
 * "listening" is emitted a tick later. Sizing right after it closes that
 * window; a connection the kernel completed within it is counted in the
 * accept queue and sized on its own.
 */
function wrapListen2(server: net.Server): void {
  const internals = server as unknown as ServerInternals;
  const original = internals._listen2;
  if (typeof original !== 'function') return;
  Object.defineProperty(server, '_listen2', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function sockbufListen2(this: net.Server, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      const config = serverConfigs.get(this);
      if (config !== undefined && this.listening && handleOf(this) !== config.sizedHandle) {
        sizeListenerOrEmit(this, config);
      }
      return result;
    },
  });
}

function onListening(this: net.Server): void {
  const config = serverConfigs.get(this);
  // Already sized in _listen2 unless Node took another path.
  if (config === undefined || handleOf(this) === config.sizedHandle) return;
  sizeListenerOrEmit(this, config);
}

/** The per-connection set: at most one setsockopt per direction, no read-back. */
function sizeConnection(fd: number, config: ServerConfig): void {
  const { sizes } = config;
  for (const direction of DIRECTIONS) {
    const bytes = sizes[direction];
    if (bytes === undefined) continue;
    const plain = OPTION[direction];
    const forceOption = FORCE_OPTION[direction];
    const option = sizes.force && !config.forceRefused && forceOption !== undefined ? forceOption : plain;
    let err = setIntFdErrno(fd, SOL_SOCKET, option, bytes);
    if (err === EPERM && option !== plain) {
      config.forceRefused = true;
      err = setIntFdErrno(fd, SOL_SOCKET, plain, bytes);
    }
    if (err === ENOBUFS && process.platform === 'darwin') setLargestAccepted(fd, plain, bytes);
    else if (err !== 0) throw optionError(err, 'setsockopt', fd, SOL_SOCKET, option);
  }
}

function onConnection(this: net.Server, socket: net.Socket): void {
  const config = serverConfigs.get(this);
  if (config === undefined) return;
  if (!config.eachConnection) {
    if (config.queued === 0) return;
    config.queued--;
  }
  try {
    sizeConnection(resolveFd(socket, 'socket'), config);
  } catch (err) {
    // A connection reset before we got to it has nothing left to size.
    const code = errorCode(err);
    if (code !== 'ERR_SOCKBUF_CLOSED' && code !== 'ERR_SOCKBUF_NO_FD' && code !== 'EBADF') socket.destroy(err as Error);
  }
}

/**
 * Every connection `server` accepts gets these buffer sizes, whether this is
 * called before or after listen(). Returns the report for the listening
 * socket when it is listening now, otherwise undefined (the sizes are applied
 * as soon as it listens). Calling it again applies the new sizes; a direction
 * it omits keeps what an earlier call set on the listening socket, which the
 * kernel cannot undo (report.accepted says what accepted sockets get).
 */
export function configureServer(server: net.Server, options: ConfigureServerOptions): ServerSizesReport | undefined {
  const expected = 'an instance of net.Server (or an http/https/http2/tls server)';
  if (!isNetServer(server, 'server', expected)) throw invalidArgType('server', expected, server);
  if (!Object.isExtensible(server)) {
    throw invalidArgValue(
      'server',
      'must not be frozen, sealed or non-extensible: configureServer wraps its _listen2 to size the listening socket as listen(2) returns',
      server,
    );
  }
  if (options === undefined) throw invalidArgType('options', 'of type object', options);
  const sizes = validateSizes(options, 'options');
  const asked = (options as ConfigureServerOptions).perConnection;
  const perConnection =
    asked === undefined ? process.platform !== 'linux' : validateBoolean(asked, 'options.perConnection');
  const existing = serverConfigs.get(server);
  const config: ServerConfig = {
    sizes,
    perConnection,
    eachConnection: perConnection,
    queued: 0,
    sizedHandle: null,
    forceRefused: false,
  };
  serverConfigs.set(server, config);
  if (existing === undefined) {
    wrapListen2(server);
    server.on('listening', onListening);
    // prependListener: size the socket before user code starts writing to it.
    server.prependListener('connection', onConnection);
  }
  if (server.listening) return sizeListener(server, config);
  return undefined;
}
