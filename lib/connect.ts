// Client connections whose descriptor gets its buffer sizes and options
// before connect(2): tcp(7) says the receive buffer must be set before the
// SYN for the window scale to follow it, and some options (TCP_MAXSEG,
// TCP_FASTOPEN_CONNECT, SO_MARK for the SYN's route) only act before it.
//
// How: a net.Socket has no descriptor until it connects. Node (20.12+, 21.6+)
// emits 'connectionAttempt' on the socket synchronously right before each
// handle.connect()/connect6() (once per address under autoSelectFamily, each
// on a fresh handle in socket._handle). Our listener, prepended, creates the
// socket itself (non-blocking, close-on-exec), applies the settings, and
// gives it to the handle with handle.open(fd); libuv's connect then uses that
// descriptor instead of making its own. When the handle is bound already
// (localAddress/localPort), libuv made the descriptor at bind time and the
// settings go on that one, still before connect(2).
import { closeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type * as net from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { loadNative } from './binding.js';
import { coded, invalidArgType, invalidArgValue, systemError } from './errors.js';
import { ErrorCodes } from './codes.js';
import { validateOptions } from './validate.js';
import { KIND_INET, KIND_UNIX } from './resolve.js';
import {
  applyPreparedOption,
  getOption,
  prepareOption,
  type OptionValue,
  type PreparedOption,
  type WritableOptionName,
} from './options.js';
import {
  applySizes,
  validateSizes,
  type BufferSizesReport,
  type SetBufferSizesOptions,
  type ValidSizes,
} from './sizes.js';

// This module loads on the first call that needs it; the binary loads with it.
const native = loadNative();

/** Options set by name before connect(2): any writable option of the catalog. */
export type ConnectSocketOptions = { [N in WritableOptionName]?: OptionValue<N> };

/** What sockbuf adds to net.connect's options. */
export interface SockbufConnectOptions {
  /** Buffer sizes for the descriptor, set before connect(2). */
  buffers?: SetBufferSizesOptions;
  /** Catalog options for the descriptor, set before connect(2) (after the buffers). */
  socketOptions?: ConnectSocketOptions;
}

export type ConnectOptions = (net.TcpNetConnectOpts | net.IpcNetConnectOpts) & SockbufConnectOptions;

/** What one connection attempt's descriptor got, before its connect(2). */
export interface ConnectAttemptReport {
  /** The descriptor that was configured (and then connected). */
  fd: number;
  /** The address this attempt connects to (the path for a Unix socket). */
  address: string;
  /** The port (undefined for a Unix socket). */
  port: number | undefined;
  /** 4, 6, or 0 for a Unix socket. */
  family: 0 | 4 | 6;
  /** What the kernel granted for `buffers` (absent directions were not asked). */
  buffers: BufferSizesReport;
  /** Each option of `socketOptions`, read back after it was set (null when the kernel cannot report it). */
  socketOptions: Record<string, unknown>;
}

/** The event a socket from connect() emits for each configured attempt, before 'connect'. */
export const CONFIGURED_EVENT = 'sockbufConfigured';

interface ConnectState {
  sizes: ValidSizes;
  options: readonly PreparedOption[];
  reports: ConnectAttemptReport[];
}

/** The parts of Node's TCP and Pipe handles this file uses. */
interface StreamHandle {
  fd?: number;
  open(fd: number): number;
  connect(...args: unknown[]): number;
  connect6?(...args: unknown[]): number;
}

type OpenStreamSocket = (family: number) => number;

const states = new WeakMap<net.Socket, ConnectState>();

// Node's net, tls and https modules, each required on its first use and kept:
// this file loads with the first connect, and a require() at every call cost
// microseconds of Node's module lookup per connection.
let netCache: typeof net | undefined;
function netModule(): typeof net {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (netCache ??= require('node:net') as typeof net);
}
let tlsCache: { tls: TlsModule; https: HttpsModule } | undefined;
function tlsModules(): { tls: TlsModule; https: HttpsModule } {
  /* eslint-disable @typescript-eslint/no-require-imports */
  return (tlsCache ??= { tls: require('node:tls') as TlsModule, https: require('node:https') as HttpsModule });
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** 'connectionAttempt' is emitted right before connect(2) since Node 20.12 and 21.6 (nodejs/node#51045). */
export function hasAttemptEvent(version: string = process.versions.node): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 21 || (major === 21 && minor >= 6) || (major === 20 && minor >= 12);
}

function openStreamSocket(): OpenStreamSocket {
  const fn = (native as unknown as { openStreamSocket?: OpenStreamSocket }).openStreamSocket;
  if (typeof fn !== 'function') {
    throw coded(
      'sockbuf: the compiled binary does not match this version of sockbuf (it has no openStreamSocket); rebuild it with `npx node-gyp rebuild` in the package folder',
      ErrorCodes.NO_BINARY,
    );
  }
  return fn;
}

let support: OpenStreamSocket | undefined;

/** Throws when this Node or this binary cannot do it; no system call. */
function checkSupport(): OpenStreamSocket {
  if (support !== undefined) return support;
  if (!hasAttemptEvent()) {
    throw coded(
      `sockbuf.connect needs Node 20.12, 21.6 or newer (this is ${process.version}): older versions emit no 'connectionAttempt' event, the only public moment between the socket's creation and connect(2)`,
      ErrorCodes.UNAVAILABLE,
    );
  }
  support = openStreamSocket();
  return support;
}

/**
 * Sets sockbuf's own keys of a copy of the options to undefined (Node reads
 * neither): a delete would leave the copy in dictionary mode.
 */
function dropSockbufKeys(copy: Record<string, unknown>): void {
  if (copy.buffers !== undefined) copy.buffers = undefined;
  if (copy.socketOptions !== undefined) copy.socketOptions = undefined;
}

function attach(socket: net.Socket, state: ConnectState): void {
  states.set(socket, state);
  socket.prependListener('connectionAttempt', onConnectionAttempt);
  socket.prependListener('connect', checkConfigured);
}

/**
 * The safety net: a connection whose descriptor sockbuf did not configure
 * (a runtime that emits no 'connectionAttempt', a listener removed by hand)
 * is destroyed with a coded error rather than left without its settings.
 */
function checkConfigured(this: net.Socket): void {
  const state = states.get(this);
  const handle = (this as unknown as { _handle: StreamHandle | null })._handle;
  if (state === undefined || handle === null) return;
  const last = state.reports[state.reports.length - 1];
  if (last !== undefined && last.fd === handle.fd) return;
  this.destroy(
    coded(
      "sockbuf.connect: this connection's descriptor was not configured before connect(2) (no 'connectionAttempt' event reached sockbuf), so it is closed rather than left without its settings",
      ErrorCodes.UNAVAILABLE,
    ),
  );
}

/** Validates `buffers` and `socketOptions` (no system call). */
export function readSettings(
  buffers: unknown,
  socketOptions: unknown,
): { sizes: ValidSizes; options: PreparedOption[] } {
  let sizes: ValidSizes = { recv: undefined, send: undefined, force: false };
  if (buffers !== undefined) {
    validateOptions(buffers, 'options.buffers');
    // One read of each property, whatever validateSizes does with them.
    const b = buffers as SetBufferSizesOptions;
    sizes = validateSizes({ recv: b.recv, send: b.send, force: b.force }, 'options.buffers');
  }
  const options: PreparedOption[] = [];
  if (socketOptions !== undefined) {
    validateOptions(socketOptions, 'options.socketOptions');
    for (const name of Object.keys(socketOptions as object)) {
      const value: unknown = (socketOptions as Record<string, unknown>)[name];
      options.push(prepareOption(name, value, `options.socketOptions.${name}`));
    }
  }
  return { sizes, options };
}

/** Applies the settings to `fd`; throws the first system error. */
function configure(fd: number, state: ConnectState, address: string, port: number | undefined, family: 0 | 4 | 6) {
  // The socket was made here: its family is known, so no SO_DOMAIN read.
  const buffers = applySizes(fd, state.sizes, family === 0 ? KIND_UNIX : KIND_INET);
  const socketOptions: Record<string, unknown> = {};
  for (const prepared of state.options) applyPreparedOption(fd, prepared);
  for (const prepared of state.options) {
    try {
      socketOptions[prepared.name] = getOption(fd, prepared.name);
    } catch {
      socketOptions[prepared.name] = null;
    }
  }
  const report: ConnectAttemptReport = { fd, address, port, family, buffers, socketOptions };
  return report;
}

function emitConfigured(socket: net.Socket, report: ConnectAttemptReport): void {
  socket.emit(CONFIGURED_EVENT, report);
}

interface ConnectReq {
  oncomplete?: (status: number, handle: StreamHandle, req: ConnectReq, readable: boolean, writable: boolean) => void;
}

const UV_ECANCELED = -osConstants.errno.ECANCELED;

/**
 * Never connects this handle: the socket is destroyed with `err` on the next
 * tick (not now: Node is between 'connectionAttempt' and connect(), and uses
 * socket._handle when this listener returns). The connect request Node made
 * is then completed with ECANCELED, as libuv completes a pending connect
 * whose handle is closed, so that Node's own bookkeeping (the attempt timer
 * of autoSelectFamily) ends as it does for a destroyed connecting socket.
 */
function refuse(socket: net.Socket, handle: StreamHandle, err: Error): void {
  let pending: ConnectReq | undefined;
  const noConnect = (req: unknown): number => {
    pending = req as ConnectReq;
    return 0;
  };
  handle.connect = noConnect;
  handle.connect6 = noConnect;
  process.nextTick(() => {
    socket.destroy(err);
    // After destroy()'s own ticks ('error'), before the handle's 'close'.
    process.nextTick(() => {
      const req = pending;
      if (req !== undefined && typeof req.oncomplete === 'function')
        req.oncomplete(UV_ECANCELED, handle, req, false, false);
    });
  });
}

function onConnectionAttempt(this: net.Socket, address: string, port: number | undefined, addressType: unknown): void {
  const state = states.get(this);
  const handle = (this as unknown as { _handle: StreamHandle | null })._handle;
  if (state === undefined || handle === null) return;
  const family: 0 | 4 | 6 = addressType === 4 ? 4 : addressType === 6 ? 6 : 0;
  const existing = typeof handle.fd === 'number' ? handle.fd : -1;
  let fd = existing;
  let ours = false;
  try {
    if (fd < 0) {
      const r = checkSupport()(family);
      if (r < 0) throw systemError(r, 'socket', -1);
      fd = r;
      ours = true;
    }
    const report = configure(fd, state, address, port, family);
    if (ours) {
      const err = handle.open(fd);
      if (err !== 0) throw systemError(err, 'open', fd);
      ours = false; // the handle owns it now
    }
    state.reports.push(report);
    process.nextTick(emitConfigured, this, report);
  } catch (err) {
    if (ours) closeSync(fd);
    refuse(this, handle, err as Error);
  }
}

/**
 * Like net.connect(options, connectListener), and the descriptor of every
 * connection attempt gets `options.buffers` and `options.socketOptions`
 * before its connect(2). Returns the net.Socket. Each configured attempt
 * emits 'sockbufConfigured' (a ConnectAttemptReport) before 'connect'; a
 * setting the kernel refuses destroys the socket with that system error
 * (an 'error' event, as for ECONNREFUSED) and no connection is made.
 */
export function connect(options: ConnectOptions, connectListener?: () => void): net.Socket {
  validateOptions(options, 'options');
  if (connectListener !== undefined && typeof connectListener !== 'function') {
    throw invalidArgType('connectListener', 'of type function', connectListener);
  }
  // One read of each own enumerable property: Node gets this copy, never
  // `options`. sockbuf's two keys are then set to undefined in it, not
  // deleted: a delete turns the copy into a dictionary-mode object, and each
  // of the many reads of it by net.Socket and connect() into an uncached
  // lookup. (Not a rest pattern either: V8 in Node 20 and 22 runs an
  // excluded key's getter a second time.)
  const netOptions: Record<string, unknown> & SockbufConnectOptions = { ...options };
  const { buffers, socketOptions } = netOptions;
  dropSockbufKeys(netOptions);
  const { sizes, options: prepared } = readSettings(buffers, socketOptions);
  checkSupport();
  const socket = new (netModule().Socket)(netOptions as net.SocketConstructorOpts);
  attach(socket, { sizes, options: prepared, reports: [] });
  // As net.connect does: any truthy timeout goes to setTimeout, which checks it
  // (ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE) before anything is connected.
  if (netOptions.timeout) socket.setTimeout(netOptions.timeout as number);
  return socket.connect(netOptions as unknown as net.NetConnectOpts, connectListener);
}

/**
 * The reports of every attempt of a socket made by connect() or
 * createTlsConnection(), oldest first (the last one is the descriptor that
 * connected, once 'connect' was emitted); undefined for other sockets.
 */
export function connectReports(socket: net.Socket): readonly ConnectAttemptReport[] | undefined {
  const state = states.get(socket);
  return state === undefined ? undefined : state.reports.slice();
}

/**
 * The listener of createConnection ('connect') and createTlsConnection
 * ('secureConnect'), run with no arguments. Typed to take any function, so
 * that either can be assigned as an http(s).Agent's method: @types/node
 * types that method's callback as (err, stream), which Node's agent calls
 * itself with the socket returned (a later call without arguments, as the
 * listener, it ignores). The `() => void` of net.createConnection's type is
 * why `agent.createConnection = net.createConnection` does not type-check.
 */
export type ConnectionListener = (...args: never[]) => unknown;

/**
 * For http.Agent: assign it as the agent's method (Node ignores
 * `new http.Agent({ createConnection })`), and the agent's own options,
 * `buffers` and `socketOptions` included, reach every connection:
 *   const agent = new http.Agent({ keepAlive: true, buffers: { recv: 4 << 20 } });
 *   agent.createConnection = sockbuf.createConnection;
 * Same arguments as net.createConnection(options, connectListener).
 */
export function createConnection(options: ConnectOptions, connectListener?: ConnectionListener): net.Socket {
  return connect(options, connectListener as (() => void) | undefined);
}

type TlsModule = typeof import('node:tls');
type HttpsModule = typeof import('node:https');
type CreateTls = (this: unknown, options: object, cb?: () => void) => TLSSocket;
type Lookup = (hostname: string, options: unknown, callback: (...args: unknown[]) => void) => void;

/** A user's lookup may call back synchronously; the attempts must wait for attach(). */
function deferredLookup(lookup: Lookup): Lookup {
  return function lookupLater(hostname, options, callback) {
    lookup(hostname, options, (...args: unknown[]) => process.nextTick(() => callback(...args)));
  };
}

/**
 * The TLS counterpart, for https.Agent (assign it as the agent's method, like
 * createConnection) or on its own, as tls.connect(options, secureListener).
 * On an https.Agent it goes through https.Agent's own createConnection, so
 * the agent's TLS session reuse keeps working.
 */
export function createTlsConnection(
  this: unknown,
  options: ConnectOptions & ConnectionOptions,
  secureListener?: ConnectionListener,
): TLSSocket {
  validateOptions(options, 'options');
  if (secureListener !== undefined && typeof secureListener !== 'function') {
    throw invalidArgType('secureListener', 'of type function', secureListener);
  }
  // As in connect(): one read of each own enumerable property.
  const tlsOptions: Record<string, unknown> & SockbufConnectOptions = { ...options };
  const { buffers, socketOptions, socket: given, lookup, path } = tlsOptions;
  dropSockbufKeys(tlsOptions);
  if (given !== undefined && given !== null) {
    throw invalidArgValue('options.socket', 'must be left out: createTlsConnection makes the socket', given);
  }
  if (lookup !== undefined && lookup !== null && typeof lookup !== 'function') {
    throw invalidArgType('options.lookup', 'of type function', lookup);
  }
  const { tls, https } = tlsModules();
  let state: ConnectState | undefined;
  let overRaw = false;
  if (path !== undefined && path !== null && path !== '') {
    // A Unix socket connects in the same tick as connect(), with one
    // attempt: make it with connect() and run TLS over it.
    const raw = connect({ ...tlsOptions, buffers, socketOptions } as unknown as ConnectOptions);
    state = states.get(raw);
    overRaw = true;
    tlsOptions.socket = raw;
    // (tls.connect copies its options before it reads them, so this delete
    // costs one slower copy, not slower reads.)
    delete tlsOptions.path;
  } else {
    const settings = readSettings(buffers, socketOptions);
    checkSupport();
    state = { sizes: settings.sizes, options: settings.options, reports: [] };
    if (typeof lookup === 'function') tlsOptions.lookup = deferredLookup(lookup as Lookup);
  }
  // TLS runs on the TLSSocket's own connection (tls.connect({ socket }) over a
  // socket still trying several addresses crashes Node 20-26). Its attempts
  // start on a later tick (an address is connected on the next tick, a name
  // after its lookup), so the listener is in place before the first one.
  const socket =
    this instanceof https.Agent
      ? (https.Agent.prototype.createConnection as unknown as CreateTls).call(this, tlsOptions, secureListener)
      : tls.connect(tlsOptions as ConnectionOptions, secureListener);
  // (`socket: null` is no socket to Node: the TLSSocket connects itself, so
  // its attempts get the settings like any other.)
  if (state !== undefined && !overRaw) attach(socket, state);
  else if (state !== undefined) states.set(socket, state);
  return socket;
}
