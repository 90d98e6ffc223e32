// Turns a socket-like value into the file descriptor behind it, at every
// call: the socket's current handle is looked up each time, so a closed
// socket's number, soon reused by an unrelated socket, is never reached.
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import { types } from 'node:util';
import { closed, coded, invalidArgType, isRevokedProxyError, noFd, revokedProxy, type CodedError } from './errors.js';
import { ErrorCodes } from './codes.js';
import { socketsWithoutFd } from './runtime.js';
import { INT32_MAX, validateInteger } from './validate.js';

/**
 * Deno's node:net and node:dgram sockets are built on Deno's own resources,
 * which have no file descriptor a program can reach: the error for every
 * socket object there. Numeric descriptors (and `{ fd }`) still work.
 */
function socketWithoutFdError(what: string): CodedError {
  return coded(
    `sockbuf cannot act on a ${what} under Deno ${process.versions.deno}: Deno does not expose the file descriptors of its sockets ` +
      `(its node:net and node:dgram run on Deno's own resources). Pass a descriptor number (or { fd }) that this process owns, ` +
      `or run the program with Node.js or Bun.`,
    ErrorCodes.UNSUPPORTED_RUNTIME,
  );
}

/** Anything sockbuf accepts as a socket. */
export type SocketLike = net.Socket | net.Server | dgram.Socket | number | { readonly fd: number };

interface HandleLike {
  fd?: unknown;
  [kFd]?: number;
  [kKind]?: number;
}
interface StreamLike {
  _handle?: HandleLike | null;
  destroyed?: boolean;
  connecting?: boolean;
}
interface DgramState {
  handle?: HandleLike | null;
}

// node:net and node:dgram are loaded on the first call that passes an
// object, not when sockbuf is required: a program that has such a socket has
// loaded them already, and one that passes fd numbers never pays for them.
let NetSocket: typeof net.Socket | undefined;
let NetServer: typeof net.Server;
let DgramSocket: typeof dgram.Socket;
let dgramModule: typeof dgram;

function loadSocketClasses(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const netModule = require('node:net') as typeof net;
  dgramModule = require('node:dgram') as typeof dgram;
  /* eslint-enable @typescript-eslint/no-require-imports */
  NetServer = netModule.Server;
  DgramSocket = dgramModule.Socket;
  NetSocket = netModule.Socket;
}

/** net.Server, loaded on first use. */
function netServerClass(): typeof net.Server {
  if (NetSocket === undefined) loadSocketClasses();
  return NetServer;
}

/**
 * `value instanceof net.Server`, where a revoked Proxy is ERR_INVALID_ARG_TYPE
 * (named `name`) instead of the engine's uncoded TypeError.
 */
export function isNetServer(value: unknown, name: string, expected: string): value is net.Server {
  try {
    return value instanceof netServerClass();
  } catch (err) {
    throw isRevokedProxyError(err, value) ? revokedProxy(name, expected) : err;
  }
}

// A handle's descriptor is remembered on the handle object itself, which
// skips the native `fd` getter (it costs as much as the rest of a call's
// JavaScript). Every call still goes through the socket's current handle.
// Only TCP, UDP and Pipe handles, which own their descriptor, take the memo,
// and their close() forgets it, so a closed handle (even one a caller kept)
// reads as closed and never reaches a number another socket reused. A handle
// that cannot take the memo (a TLSWrap, frozen, sealed, a Proxy) is read
// every time. handleFd below is the one place that writes it.
const kFd = Symbol('sockbuf.fd');
const kKind = Symbol('sockbuf.kind');

/** What resolveFd learned about the descriptor from the socket's handle, without a system call. */
export const KIND_UNKNOWN = 0;
/** A TCP or UDP socket (AF_INET or AF_INET6). */
export const KIND_INET = 1;
/** A Node Pipe handle: a Unix domain socket (or a pipe, which is no socket at all). */
export const KIND_UNIX = 2;

let resolvedKind = KIND_UNKNOWN;

/**
 * The kind of the descriptor the last resolveFd call returned (KIND_UNKNOWN
 * for a bare number or { fd }). Read it right after resolveFd: the next call
 * overwrites it.
 */
export function lastResolvedKind(): number {
  return resolvedKind;
}

function kindOfHandle(handle: HandleLike): number {
  const ctor = (handle as { constructor?: { name?: unknown } }).constructor;
  const name = typeof ctor === 'function' ? ctor.name : undefined;
  if (name === 'TCP' || name === 'UDP') return KIND_INET;
  if (name === 'Pipe') return KIND_UNIX;
  return KIND_UNKNOWN;
}

function handleFd(handle: HandleLike): number | undefined {
  const cached = handle[kFd];
  if (cached !== undefined) {
    resolvedKind = handle[kKind]!;
    return cached;
  }
  const fd = handle.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  const kind = kindOfHandle(handle);
  resolvedKind = kind;
  // Node's handles are plain extensible objects. Anything else (a frozen
  // object posing as a handle, a Proxy whose traps are the caller's code)
  // is not written to: it is read again at the next call.
  //
  // Only a handle that owns its descriptor (TCP, UDP, Pipe) is memoised, and
  // the memo is forgotten when the handle is closed: a TLSWrap borrows the
  // descriptor of a socket that can be destroyed on its own (tls.connect({
  // socket })), and a stale handle held by a caller must read as closed.
  if (kind !== KIND_UNKNOWN && Object.isExtensible(handle) && !types.isProxy(handle)) {
    const close = (handle as { close?: unknown }).close;
    if (typeof close === 'function') {
      Object.defineProperty(handle, 'close', {
        value: function closeAndForget(this: HandleLike, ...args: unknown[]): unknown {
          this[kFd] = undefined;
          return (close as (...a: unknown[]) => unknown).apply(this, args);
        },
        enumerable: false,
        writable: true,
        configurable: true,
      });
      Object.defineProperty(handle, kFd, { value: fd, enumerable: false, writable: true });
      Object.defineProperty(handle, kKind, { value: kind, enumerable: false });
    }
  }
  return fd;
}

// Node keeps a dgram socket's handle in an internal state object behind an
// own symbol property (dgram.Socket#_handle is deprecated, DEP0112, and gone
// in Node 25). The symbol is found once and cached; never the descriptor.
let dgramStateSymbol: symbol | undefined;

function findDgramState(sock: dgram.Socket): DgramState {
  if (dgramStateSymbol === undefined) {
    // Found on a socket made here, never on the value passed: an object
    // posing as a dgram.Socket must not choose the symbol for every later call.
    // (An unbound dgram socket has no descriptor: nothing is opened.)
    if (NetSocket === undefined) loadSocketClasses();
    const probe = dgramModule.createSocket('udp4');
    dgramStateSymbol = Object.getOwnPropertySymbols(probe).find((s) => s.description === 'state symbol');
    probe.close();
    if (dgramStateSymbol === undefined) {
      throw coded(
        `sockbuf cannot find the handle of a dgram.Socket on Node ${process.version}: Node's internal layout changed. Please report this; pass { fd } as a workaround.`,
        ErrorCodes.UNAVAILABLE,
      );
    }
  }
  return (sock as unknown as Record<symbol, DgramState>)[dgramStateSymbol];
}

function fromDgram(sock: dgram.Socket): number {
  return fromDgramState(findDgramState(sock));
}

function fromDgramState(state: DgramState | undefined): number {
  const handle = state?.handle;
  if (handle == null) throw closed('dgram.Socket');
  const fd = handleFd(handle);
  if (fd !== undefined) return fd;
  throw noFd(
    'dgram.Socket',
    'it gets one when it is bound; call after bind() completes (its callback or the "listening" event)',
  );
}

// Node gives every net.Socket an async id: -1 until it has a handle.
let asyncIdSymbol: symbol | null | undefined;

/**
 * True for a socket that had a handle and lost it without being destroyed:
 * child.send(msg, socket) without keepOpen sets socket._handle = null and
 * leaves socket.destroyed false. Its descriptor is in another process now.
 */
function hadHandle(sock: StreamLike): boolean {
  if ((sock as { server?: unknown }).server != null) return true; // accepted by a server
  if (asyncIdSymbol === undefined) {
    asyncIdSymbol =
      Object.getOwnPropertySymbols(new NetSocket!()).find((s) => s.description === 'async_id_symbol') ?? null;
  }
  if (asyncIdSymbol === null) return false;
  const id = (sock as unknown as Record<symbol, unknown>)[asyncIdSymbol];
  return typeof id === 'number' && id >= 0;
}

function fromStream(sock: StreamLike, isServer: boolean): number {
  const handle = sock._handle;
  if (handle != null) {
    const fd = handleFd(handle);
    if (fd !== undefined) return fd;
    if (typeof handle.fd !== 'number' && isServer) {
      throw noFd(
        'net.Server',
        "it does not own a socket (a cluster worker shares the primary's listening socket); configure the sockets it accepts, or use the primary",
      );
    }
  }
  if (isServer) {
    throw noFd(
      'net.Server',
      'it is not listening; call after listen() completes (its callback or the "listening" event)',
    );
  }
  if (sock.destroyed || (handle == null && hadHandle(sock))) throw closed('net.Socket');
  throw noFd(
    'net.Socket',
    'it gets one when it starts connecting; call after the "connect" event (or "secureConnect" for TLS)',
  );
}

function fromFdNumber(fd: unknown, name: string, key?: string): number {
  resolvedKind = KIND_UNKNOWN;
  return validateInteger(fd, name, 0, INT32_MAX, key);
}

const EXPECTED =
  'a net.Socket, tls.TLSSocket, net.Server, dgram.Socket, a file descriptor number or an object with a numeric fd';

/** Deno (lib/runtime.ts): its net and dgram sockets have no descriptor to resolve. */
function rejectRuntimeSocket(sock: object): void {
  if (sock instanceof NetSocket!) throw socketWithoutFdError('net.Socket');
  if (sock instanceof DgramSocket) throw socketWithoutFdError('dgram.Socket');
  if (sock instanceof NetServer) throw socketWithoutFdError('net.Server');
}

/**
 * The file descriptor behind `sock`, resolved now. Throws ERR_SOCKBUF_NO_FD
 * when it has none yet, ERR_SOCKBUF_CLOSED when it is gone. Getters and
 * Proxy traps on `sock` run here; an error they throw propagates unchanged.
 */
export function resolveFd(sock: unknown, name = 'sock'): number {
  if (typeof sock === 'number') {
    if (sock >= 0 && (sock | 0) === sock) {
      resolvedKind = KIND_UNKNOWN;
      return sock;
    }
    return fromFdNumber(sock, name);
  }
  if (typeof sock === 'object' && sock !== null) {
    try {
      return fromObject(sock, name);
    } catch (err) {
      // A revoked Proxy as the socket (or as its handle or state): the
      // engine's uncoded TypeError becomes ERR_INVALID_ARG_TYPE.
      throw isRevokedProxyError(err, sock, true) ? revokedProxy(name, EXPECTED) : err;
    }
  }
  throw invalidArgType(name, EXPECTED, sock);
}

function fromObject(sock: object, name: string): number {
  // Once the dgram symbol is known, a dgram socket is recognised by it
  // without the instanceof walks (the symbol is private to Node's dgram).
  if (dgramStateSymbol !== undefined) {
    const state = (sock as Record<symbol, DgramState | undefined>)[dgramStateSymbol];
    if (state !== undefined) return fromDgramState(state);
  }
  if (NetSocket === undefined) loadSocketClasses();
  if (socketsWithoutFd !== undefined) rejectRuntimeSocket(sock);
  if (sock instanceof NetSocket!) return fromStream(sock as unknown as StreamLike, false);
  if (sock instanceof DgramSocket) return fromDgram(sock);
  if (sock instanceof NetServer) return fromStream(sock as unknown as StreamLike, true);
  if ('fd' in sock) return fromFdNumber((sock as { fd: unknown }).fd, name, 'fd');
  throw invalidArgType(name, EXPECTED, sock);
}
