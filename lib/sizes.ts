// SO_RCVBUF / SO_SNDBUF: set what was asked, read back what the kernel
// granted, and say why they differ.
import type * as net from 'node:net';
import { constants as osConstants } from 'node:os';
import { debuglog } from 'node:util';
import { constants } from './constants';
import { invalidArgType } from './errors';
import { bufferCap } from './limits';
import { getIntFd, optionError, setIntFd, setIntFdErrno } from './raw';
import { netServerClass, resolveFd, type SocketLike } from './resolve';
import { validateBoolean, validateOptions, validateSize } from './validate';

const debug = debuglog('sockbuf');
// Fixed for the process (NODE_DEBUG is read once); the getter costs ~15 ns a set.
const DEBUG = debug.enabled;

export type Direction = 'recv' | 'send';

/** What one buffer-size request got. */
export interface BufferSizeReport {
  /** The size asked for, in bytes. */
  requested: number;
  /** The kernel's value read back after the set (Linux reports twice the request: half is bookkeeping). */
  effective: number;
  /** True when the kernel granted less than asked (on Linux: less than twice the request). */
  clamped: boolean;
  /** The cap a non-forced request is held to (net.core.rmem_max / wmem_max, kern.ipc.maxsockbuf), or null when unknown. */
  limit: number | null;
  /** True when SO_RCVBUFFORCE / SO_SNDBUFFORCE was used (needs CAP_NET_ADMIN). */
  forced: boolean;
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

const SOL_SOCKET = constants.SOL_SOCKET;
const OPTION = { recv: constants.SO_RCVBUF, send: constants.SO_SNDBUF } as const;
const FORCE_OPTION = { recv: constants.SO_RCVBUFFORCE, send: constants.SO_SNDBUFFORCE } as const;
const { EPERM, ENOBUFS } = osConstants.errno;
const KERNEL_DOUBLES = process.platform === 'linux';

/** What the kernel would report for an unclamped request of `bytes`. */
function expectedFor(bytes: number): number {
  // Linux stores twice the request: the other half covers struct sk_buff
  // overhead. (It also limits even a forced request to INT_MAX / 2 so that
  // the double fits in an int; a request past that is reported as clamped.)
  return KERNEL_DOUBLES ? 2 * bytes : bytes;
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

/** Sets one direction on an fd already resolved, and reports. */
function applyBufferSize(fd: number, direction: Direction, bytes: number, force: boolean): BufferSizeReport {
  const option = OPTION[direction];
  const forceOption = FORCE_OPTION[direction];
  let forced = false;
  if (force && forceOption !== undefined) {
    const err = setIntFdErrno(fd, SOL_SOCKET, forceOption, bytes);
    if (err === 0) forced = true;
    else if (err !== EPERM) throw optionError(err, 'setsockopt', fd, SOL_SOCKET, forceOption);
    // EPERM: no CAP_NET_ADMIN. Fall back to the normal option and report the clamp.
  }
  if (!forced) {
    const err = setIntFdErrno(fd, SOL_SOCKET, option, bytes);
    if (err === ENOBUFS && process.platform === 'darwin') setLargestAccepted(fd, option, bytes);
    else if (err !== 0) throw optionError(err, 'setsockopt', fd, SOL_SOCKET, option);
  }
  const effective = getIntFd(fd, SOL_SOCKET, option);
  const report: BufferSizeReport = {
    requested: bytes,
    effective,
    clamped: effective < expectedFor(bytes),
    limit: bufferCap(direction),
    forced,
  };
  if (DEBUG) {
    debug(
      'set %s buffer on fd %d: requested %d, effective %d, limit %s, forced %s%s',
      direction,
      fd,
      bytes,
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

function readForce(options: unknown, name: string): boolean {
  const opts = validateOptions<SetBufferSizeOptions>(options, name);
  return opts.force === undefined ? false : validateBoolean(opts.force, `${name}.force`);
}

/** Sets SO_RCVBUF and reports what the kernel granted. */
export function setRecvBufferSize(sock: SocketLike, bytes: number, options?: SetBufferSizeOptions): BufferSizeReport {
  const fd = resolveFd(sock);
  validateSize(bytes, 'bytes');
  return applyBufferSize(fd, 'recv', bytes, readForce(options, 'options'));
}

/** Sets SO_SNDBUF and reports what the kernel granted. */
export function setSendBufferSize(sock: SocketLike, bytes: number, options?: SetBufferSizeOptions): BufferSizeReport {
  const fd = resolveFd(sock);
  validateSize(bytes, 'bytes');
  return applyBufferSize(fd, 'send', bytes, readForce(options, 'options'));
}

interface ValidSizes {
  recv?: number;
  send?: number;
  force: boolean;
}

function validateSizes(options: unknown, name: string): ValidSizes {
  const opts = validateOptions<SetBufferSizesOptions>(options, name);
  const out: ValidSizes = { force: false };
  if (opts.recv !== undefined) out.recv = validateSize(opts.recv, `${name}.recv`);
  if (opts.send !== undefined) out.send = validateSize(opts.send, `${name}.send`);
  if (opts.force !== undefined) out.force = validateBoolean(opts.force, `${name}.force`);
  return out;
}

function applySizes(fd: number, sizes: ValidSizes): BufferSizesReport {
  const report: BufferSizesReport = {};
  if (sizes.recv !== undefined) report.recv = applyBufferSize(fd, 'recv', sizes.recv, sizes.force);
  if (sizes.send !== undefined) report.send = applyBufferSize(fd, 'send', sizes.send, sizes.force);
  return report;
}

/**
 * Sets the receive and/or send buffer. Every argument is checked before the
 * first system call, so a bad `send` never leaves `recv` half-applied.
 */
export function setBufferSizes(sock: SocketLike, options: SetBufferSizesOptions): BufferSizesReport {
  const fd = resolveFd(sock);
  if (options === undefined) throw invalidArgType('options', 'of type object', options);
  return applySizes(fd, validateSizes(options, 'options'));
}

export interface ConfigureServerOptions extends SetBufferSizesOptions {
  /**
   * Also set the sizes on every accepted socket. Default: false on Linux,
   * where accepted sockets inherit the listening socket's sizes (and the
   * window scale is chosen from them during the handshake); true elsewhere.
   */
  perConnection?: boolean;
}

interface ServerConfig {
  sizes: ValidSizes;
  perConnection: boolean;
  /** The last report for the listening socket, when it was set. */
  listener?: BufferSizesReport;
}

const serverConfigs = new WeakMap<net.Server, ServerConfig>();

function isNoOwnFd(err: unknown): boolean {
  return (err as { code?: string }).code === 'ERR_SOCKBUF_NO_FD';
}

function configureListener(server: net.Server, config: ServerConfig): void {
  let fd: number;
  try {
    fd = resolveFd(server, 'server');
  } catch (err) {
    // A cluster worker's server has no socket of its own: size each connection.
    if (isNoOwnFd(err) && server.listening) {
      config.perConnection = true;
      return;
    }
    throw err;
  }
  config.listener = applySizes(fd, config.sizes);
}

function onListening(this: net.Server): void {
  const config = serverConfigs.get(this);
  if (config === undefined) return;
  try {
    configureListener(this, config);
  } catch (err) {
    this.emit('error', err);
  }
}

function onConnection(this: net.Server, socket: net.Socket): void {
  const config = serverConfigs.get(this);
  if (config === undefined || !config.perConnection) return;
  try {
    applySizes(resolveFd(socket, 'socket'), config.sizes);
  } catch (err) {
    // A connection reset before we got to it has nothing left to size.
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_SOCKBUF_CLOSED' && code !== 'ERR_SOCKBUF_NO_FD' && code !== 'EBADF') socket.destroy(err as Error);
  }
}

/**
 * Every connection `server` accepts gets these buffer sizes, whether this is
 * called before or after listen(). Returns the report for the listening
 * socket when it is listening now, otherwise undefined (the sizes are applied
 * on "listening"). Calling it again replaces the earlier settings.
 */
export function configureServer(server: net.Server, options: ConfigureServerOptions): BufferSizesReport | undefined {
  if (!(server instanceof netServerClass())) {
    throw invalidArgType('server', 'an instance of net.Server (or an http/https/http2/tls server)', server);
  }
  if (options === undefined) throw invalidArgType('options', 'of type object', options);
  const sizes = validateSizes(options, 'options');
  const opts = options as ConfigureServerOptions;
  const perConnection =
    opts.perConnection === undefined
      ? process.platform !== 'linux'
      : validateBoolean(opts.perConnection, 'options.perConnection');
  const existing = serverConfigs.get(server);
  const config: ServerConfig = { sizes, perConnection };
  serverConfigs.set(server, config);
  if (existing === undefined) {
    server.on('listening', onListening);
    // prependListener: size the socket before user code starts writing to it.
    server.prependListener('connection', onConnection);
  }
  if (server.listening) {
    configureListener(server, config);
    return config.listener;
  }
  return undefined;
}
