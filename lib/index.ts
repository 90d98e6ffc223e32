// sockbuf: kernel socket buffers and socket options for Node.js sockets.
//
// Loading: require('sockbuf') runs only the error codes and the loader's
// choice of binary (so a package with no binary for this platform still
// fails at require time); the binary itself loads on the first call that
// needs it (lib/binding.ts). Each function below is a
// small stub that loads its module on its first call; the constants object
// is made on its first read; the errors' code loads on the first error; the
// CLI, its units and the report never load for a library user. In the
// package, this module and the four it loads (codes, runtime, binding,
// constants) are one file, dist/index.js (scripts/bundle.js).
//
// Speed: the exports are plain data properties assigned in one go, so the
// exports object stays in V8's fast mode and `sockbuf.fn()` costs what a
// destructured `fn()` costs (the same stub; V8 inlines it). TypeScript's
// `export { x } from` would compile to getters, and turning those into data
// properties leaves the object in dictionary mode; neither is used here for
// anything but types. (bench/run.js measures both call forms.)
//
// Every module of lib/ is imported by its .js name: require() then finds
// the file at its first look, where a bare './raw' costs a failed stat and
// a second lookup per module.
/* eslint-disable @typescript-eslint/no-require-imports */
import { getConstants, type Constants } from './constants.js';
import type { OptionBytes } from './raw.js';
import { ErrorCodes as errorCodes } from './codes.js';
import { runtime as currentRuntime } from './runtime.js';
import type { SocketLike } from './resolve.js';
import type { Buffer } from 'node:buffer';
import type * as net from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type {
  BufferSizeReport,
  BufferSizes,
  BufferSizesReport,
  ConfigureServerOptions,
  ServerSizesReport,
  SetBufferSizeOptions,
  SetBufferSizesOptions,
} from './sizes.js';
import type { OptionName, OptionValue, SetOptionOptions, WritableOptionName } from './options.js';
import type { SystemLimits } from './limits.js';
import type { QueuedBytes, SocketMemory } from './observe.js';
import type { TcpInfo } from './tcpinfo.js';
import type { Diagnosis, TcpSample } from './diagnose.js';
import type { DatagramCost, MeasureOptions, UdpBufferOptions, UdpBufferRecommendation } from './udpsizing.js';
import type { ConnectAttemptReport, ConnectionListener, ConnectOptions } from './connect.js';
import type { UndiciConnectCallback, UndiciConnectParams, UndiciConnectorOptions } from './agent.js';

type Raw = typeof import('./raw.js');
type Sizes = typeof import('./sizes.js');
type Options = typeof import('./options.js');
type Catalog = typeof import('./catalog.js');
type Limits = typeof import('./limits.js');
type Observe = typeof import('./observe.js');
type Connect = typeof import('./connect.js');
type Agent = typeof import('./agent.js');
type TcpInfoModule = typeof import('./tcpinfo.js');
type UdpSizing = typeof import('./udpsizing.js');
type Diagnose = typeof import('./diagnose.js');

let rawModule: Raw | undefined;
let sizesModule: Sizes | undefined;
let optionsModule: Options | undefined;
let limitsModule: Limits | undefined;
let observeModule: Observe | undefined;
let connectModule: Connect | undefined;
let agentModule: Agent | undefined;
let tcpInfoModule: TcpInfoModule | undefined;
let udpSizingModule: UdpSizing | undefined;
let diagnoseModule: Diagnose | undefined;
const raw = (): Raw => rawModule ?? (rawModule = require('./raw.js') as Raw);
const sizes = (): Sizes => sizesModule ?? (sizesModule = require('./sizes.js') as Sizes);
const optionsLib = (): Options => optionsModule ?? (optionsModule = require('./options.js') as Options);
const limits = (): Limits => limitsModule ?? (limitsModule = require('./limits.js') as Limits);
const observe = (): Observe => observeModule ?? (observeModule = require('./observe.js') as Observe);
const connectLib = (): Connect => connectModule ?? (connectModule = require('./connect.js') as Connect);
const agent = (): Agent => agentModule ?? (agentModule = require('./agent.js') as Agent);
const tcpInfoLib = (): TcpInfoModule => tcpInfoModule ?? (tcpInfoModule = require('./tcpinfo.js') as TcpInfoModule);
const udpSizing = (): UdpSizing => udpSizingModule ?? (udpSizingModule = require('./udpsizing.js') as UdpSizing);
const diagnoseLib = (): Diagnose => diagnoseModule ?? (diagnoseModule = require('./diagnose.js') as Diagnose);

export const ErrorCodes = errorCodes;
/** The JavaScript runtime sockbuf runs on: 'node', 'bun' or 'deno' (lib/runtime.ts). */
export const runtime = currentRuntime;
/** Largest number of bytes a raw get may ask the kernel for (lib/raw.ts's MAX_GET_LENGTH). */
export const MAX_GET_LENGTH: number = 1 << 20;

// Each stub passes its arguments on untouched: the function it calls reads
// and validates them, exactly once. Each is declared here with its module's
// signature (test/index.test.ts checks that they are the same), so that the
// types of a program that re-exports one of them name 'sockbuf', never a
// file of dist/ (which the package's exports map hides: TypeScript's TS2742).
/**
 * getsockopt(2) on the socket's descriptor.
 * Without a fourth argument: an int-valued option, returned as a number.
 * With `length`: a Buffer of the bytes the kernel wrote (at most `length`).
 * With `target` (a Buffer, TypedArray, DataView or ArrayBuffer): the bytes
 * written into it, from its start; returns how many (at most its length).
 */
export function getsockopt(sock: SocketLike, level: number, option: number): number;
export function getsockopt(sock: SocketLike, level: number, option: number, length: number): Buffer;
export function getsockopt(sock: SocketLike, level: number, option: number, target: OptionBytes): number;
export function getsockopt(
  sock: SocketLike,
  level: number,
  option: number,
  lengthOrTarget?: number | OptionBytes,
): number | Buffer {
  return raw().getsockopt(sock, level, option, lengthOrTarget as number);
}
/**
 * setsockopt(2) on the socket's descriptor. `value` is a number (an int;
 * values up to 2^32-1 are passed as their 32-bit pattern), a boolean (1/0),
 * or the raw bytes as a Buffer, TypedArray, DataView or ArrayBuffer.
 */
export function setsockopt(
  sock: SocketLike,
  level: number,
  option: number,
  value: number | boolean | OptionBytes,
): void {
  raw().setsockopt(sock, level, option, value);
}
/** The kernel's SO_RCVBUF and SO_SNDBUF, as getsockopt reports them. */
export function getBufferSizes(sock: SocketLike): BufferSizes {
  return sizes().getBufferSizes(sock);
}
/** The kernel's SO_RCVBUF (on Linux, twice what was set). */
export function getRecvBufferSize(sock: SocketLike): number {
  return sizes().getRecvBufferSize(sock);
}
/** The kernel's SO_SNDBUF (on Linux, twice what was set). */
export function getSendBufferSize(sock: SocketLike): number {
  return sizes().getSendBufferSize(sock);
}
/**
 * Sets the receive and/or send buffer. Every argument is read and checked
 * before the descriptor is resolved and before the first system call, so a
 * bad `send` never leaves `recv` half-applied, and no getter on `options`
 * runs once the descriptor is known.
 */
export function setBufferSizes(sock: SocketLike, options: SetBufferSizesOptions): BufferSizesReport {
  return sizes().setBufferSizes(sock, options);
}
/** Sets SO_RCVBUF and reports what the kernel granted. */
export function setRecvBufferSize(sock: SocketLike, bytes: number, options?: SetBufferSizeOptions): BufferSizeReport {
  return sizes().setRecvBufferSize(sock, bytes, options);
}
/** Sets SO_SNDBUF and reports what the kernel granted. */
export function setSendBufferSize(sock: SocketLike, bytes: number, options?: SetBufferSizeOptions): BufferSizeReport {
  return sizes().setSendBufferSize(sock, bytes, options);
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
  return sizes().configureServer(server, options);
}
/** Reads option `name` and converts it to its catalog type. */
export function getOption<N extends OptionName>(sock: SocketLike, name: N): OptionValue<N> {
  return optionsLib().getOption(sock, name);
}
/**
 * Sets option `name` from a value of its catalog type. Values that would
 * silently break a Node socket (see UnsafeOptionName) need `{ unsafe: true }`.
 */
export function setOption<N extends WritableOptionName>(
  sock: SocketLike,
  name: N,
  value: OptionValue<N>,
  options?: SetOptionOptions,
): void {
  optionsLib().setOption(sock, name, value, options);
}
/**
 * The system's socket-buffer limits, read now. Linux values are those of the
 * calling process's network namespace where the kernel keeps them per
 * namespace (tcp_rmem, tcp_wmem, ...). Unreadable entries are null.
 */
export function systemLimits(): SystemLimits {
  return limits().systemLimits();
}
/** The socket's memory and drop counter (Linux SO_MEMINFO). */
export function socketMemory(sock: SocketLike): SocketMemory {
  return observe().socketMemory(sock);
}
/**
 * Bytes waiting in the receive and send queues, and the never-sent part of
 * the send queue (TCP on Linux).
 */
export function queuedBytes(sock: SocketLike): QueuedBytes {
  return observe().queuedBytes(sock);
}

/**
 * The connection's TCP_INFO (Linux) or TCP_CONNECTION_INFO (macOS), typed.
 * Listening sockets (Linux) give `{ state: 'listen', acceptQueue, acceptQueueMax }`.
 * A UDP socket or any non-TCP descriptor fails with the kernel's error
 * (code ENOTSUP) as a system error.
 */
export function tcpInfo(sock: SocketLike): TcpInfo {
  return tcpInfoLib().tcpInfo(sock);
}
/**
 * What limited this TCP sender since `previous` (an earlier Diagnosis or its
 * `sample`), or since the connection began when `previous` is omitted.
 * Pass a net.Socket to let it weigh what Node holds back (writableLength).
 */
export function diagnose(sock: SocketLike, previous?: Diagnosis | TcpSample): Diagnosis {
  return diagnoseLib().diagnose(sock, previous);
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
export function measureDatagramCost(payloadBytes: number, options?: MeasureOptions): Promise<DatagramCost> {
  // A binary that does not load rejects the promise, as a bad argument does.
  try {
    return udpSizing().measureDatagramCost(payloadBytes, options);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
/**
 * The receive buffer that holds every datagram arriving during a pause of
 * the reader: ceil(rate × pause × headroom) datagrams × the cost of one,
 * measured now on loopback (measureDatagramCost). On Linux the result is
 * halved, because the kernel doubles what setRecvBufferSize asks.
 */
export function recommendUdpBuffer(options: UdpBufferOptions): Promise<UdpBufferRecommendation> {
  try {
    return udpSizing().recommendUdpBuffer(options);
  } catch (err) {
    return Promise.reject(err as Error);
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
  return connectLib().connect(options, connectListener);
}
/**
 * The reports of every attempt of a socket made by connect() or
 * createTlsConnection(), oldest first (the last one is the descriptor that
 * connected, once 'connect' was emitted); undefined for other sockets.
 */
export function connectReports(socket: net.Socket): readonly ConnectAttemptReport[] | undefined {
  return connectLib().connectReports(socket);
}
// Agents call these as methods: `this` (the agent) is passed on.
/**
 * For http.Agent: assign it as the agent's method (Node ignores
 * `new http.Agent({ createConnection })`), and the agent's own options,
 * `buffers` and `socketOptions` included, reach every connection:
 *   const agent = new http.Agent({ keepAlive: true, buffers: { recv: 4 << 20 } });
 *   agent.createConnection = sockbuf.createConnection;
 * Same arguments as net.createConnection(options, connectListener).
 */
export function createConnection(
  this: unknown,
  options: ConnectOptions,
  connectListener?: ConnectionListener,
): net.Socket {
  return connectLib().createConnection.call(this, options, connectListener);
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
  return connectLib().createTlsConnection.call(this, options, secureListener);
}
/**
 * A `connect` function for undici: `new undici.Agent({ connect: undiciConnector({ buffers }) })`.
 * It calls back once the socket is connected (after the TLS handshake for
 * https:), or with the error; sizes and options go on every attempt's
 * descriptor before connect(2), as with connect().
 */
export function undiciConnector(
  options: UndiciConnectorOptions,
): (params: UndiciConnectParams, callback: UndiciConnectCallback) => void {
  return agent().undiciConnector(options);
}
/** The event a socket from connect() emits with its attempt's report (lib/connect.ts's CONFIGURED_EVENT). */
export const CONFIGURED_EVENT = 'sockbufConfigured';

/**
 * Socket constants of this platform: SOL_*, SO_*, IPPROTO_*, TCP_*, UDP_*,
 * IP_*, IPV6_*, SK_MEMINFO_*, AF_*, SOCK_*, SIOC* and FIONREAD. A constant
 * the platform does not define is absent (undefined), never a guessed
 * number. The object is made on the first read (lib/constants.ts).
 */
export declare const constants: Constants;
/** The option catalog (lib/catalog.ts), loaded on first read. */
export declare const optionCatalog: Catalog['optionCatalog'];
// Written in the one getter form that Node's ESM loader recognises as a
// named export of a CommonJS module (`enumerable: true` then `get`, which
// does `return a.b;`; nothing else, so these properties cannot be made
// configurable). That loader reads every such getter at each `import` of
// sockbuf: an ES module import makes the constants object and loads the
// catalog's data (not the option code); a require() does neither.
let catalogModule: Catalog | undefined;
const lazy = {
  get constants(): Constants {
    try {
      return getConstants();
    } catch {
      // The binary does not load (the first call that needs it says why):
      // a stand-in that throws that error at each use and reads through once
      // a load works (lib/loadfail.ts says why this is not a throw here).
      return (require('./loadfail.js') as typeof import('./loadfail.js')).unloadedConstants(getConstants) as Constants;
    }
  },
  get optionCatalog(): Catalog['optionCatalog'] {
    return (catalogModule ??= require('./catalog.js') as Catalog).optionCatalog;
  },
};
Object.defineProperty(exports, 'constants', {
  enumerable: true,
  get: function () {
    return lazy.constants;
  },
});
Object.defineProperty(exports, 'optionCatalog', {
  enumerable: true,
  get: function () {
    return lazy.optionCatalog;
  },
});

export type { OptionBytes } from './raw.js';
export type {
  BufferSizeReport,
  BufferSizes,
  BufferSizesReport,
  SetBufferSizesOptions,
  SetBufferSizeOptions,
  ConfigureServerOptions,
} from './sizes.js';
export type {
  Linger,
  OptionName,
  OptionValue,
  WritableOptionName,
  PeerCredentials,
  SetOptionOptions,
  UnsafeOptionName,
  PreparedOption,
} from './options.js';
export type { Constants, ConstantName, CommonConstantName, PlatformConstantName } from './constants.js';
export type { Kind, Level, Spec, Unsafe } from './catalog.js';
export type { ServerSizesReport } from './sizes.js';
export type {
  ConnectOptions,
  ConnectAttemptReport,
  ConnectionListener,
  ConnectSocketOptions,
  SockbufConnectOptions,
} from './connect.js';
export type { UndiciConnectorOptions, UndiciConnectParams, UndiciConnectCallback } from './agent.js';
export type { TcpInfo, TcpState } from './tcpinfo.js';
export type { DatagramCost, MeasureOptions, UdpBufferOptions, UdpBufferRecommendation } from './udpsizing.js';
export type { Diagnosis, TcpSample, Verdict, Shares } from './diagnose.js';
export type { SystemLimits, Range, PageThresholds } from './limits.js';
export type { SocketMemory, QueuedBytes } from './observe.js';
export type { SystemError, CodedError } from './errors.js';
export type { SocketLike } from './resolve.js';
export type { RuntimeName } from './runtime.js';
export type { BinarySource } from './binary.js';

// `import sockbuf from 'sockbuf'`: TypeScript's esModuleInterop, Babel and
// bundlers read `default` from a module that sets __esModule. It is this
// module itself, so `sockbuf.fn()` is the same property read as with require.
declare const exports: typeof import('./index.js');
export default exports;
