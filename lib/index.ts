// sockbuf: kernel socket buffers and socket options for Node.js sockets.
//
// Loading: require('sockbuf') loads only the addon (so a missing binary
// still fails at require time) and the error codes. Each function below is a
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
const options = (): Options => optionsModule ?? (optionsModule = require('./options.js') as Options);
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
// and validates them, exactly once.
export const getsockopt = function getsockopt(
  sock: SocketLike,
  level: number,
  option: number,
  lengthOrTarget?: number | OptionBytes,
) {
  return raw().getsockopt(sock, level, option, lengthOrTarget as number);
} as Raw['getsockopt'];
export const setsockopt: Raw['setsockopt'] = function setsockopt(sock, level, option, value) {
  raw().setsockopt(sock, level, option, value);
};
export const getBufferSizes: Sizes['getBufferSizes'] = function getBufferSizes(sock) {
  return sizes().getBufferSizes(sock);
};
export const getRecvBufferSize: Sizes['getRecvBufferSize'] = function getRecvBufferSize(sock) {
  return sizes().getRecvBufferSize(sock);
};
export const getSendBufferSize: Sizes['getSendBufferSize'] = function getSendBufferSize(sock) {
  return sizes().getSendBufferSize(sock);
};
export const setBufferSizes: Sizes['setBufferSizes'] = function setBufferSizes(sock, sizeOptions) {
  return sizes().setBufferSizes(sock, sizeOptions);
};
export const setRecvBufferSize: Sizes['setRecvBufferSize'] = function setRecvBufferSize(sock, bytes, setOptions) {
  return sizes().setRecvBufferSize(sock, bytes, setOptions);
};
export const setSendBufferSize: Sizes['setSendBufferSize'] = function setSendBufferSize(sock, bytes, setOptions) {
  return sizes().setSendBufferSize(sock, bytes, setOptions);
};
export const configureServer: Sizes['configureServer'] = function configureServer(server, serverOptions) {
  return sizes().configureServer(server, serverOptions);
};
export const getOption: Options['getOption'] = function getOption(sock, name) {
  return options().getOption(sock, name);
};
export const setOption: Options['setOption'] = function setOption(sock, name, value, setOptions) {
  options().setOption(sock, name, value, setOptions);
};
export const systemLimits: Limits['systemLimits'] = function systemLimits() {
  return limits().systemLimits();
};
export const socketMemory: Observe['socketMemory'] = function socketMemory(sock) {
  return observe().socketMemory(sock);
};
export const queuedBytes: Observe['queuedBytes'] = function queuedBytes(sock) {
  return observe().queuedBytes(sock);
};

export const tcpInfo: TcpInfoModule['tcpInfo'] = function tcpInfo(sock) {
  return tcpInfoLib().tcpInfo(sock);
};
export const diagnose: Diagnose['diagnose'] = function diagnose(sock, previous) {
  return diagnoseLib().diagnose(sock, previous);
};
export const measureDatagramCost: UdpSizing['measureDatagramCost'] = function measureDatagramCost(payload, opts) {
  return udpSizing().measureDatagramCost(payload, opts);
};
export const recommendUdpBuffer: UdpSizing['recommendUdpBuffer'] = function recommendUdpBuffer(opts) {
  return udpSizing().recommendUdpBuffer(opts);
};
export const connect: Connect['connect'] = function connect(connectOptions, connectListener) {
  return connectLib().connect(connectOptions, connectListener);
};
export const connectReports: Connect['connectReports'] = function connectReports(socket) {
  return connectLib().connectReports(socket);
};
// Agents call these as methods: `this` (the agent) is passed on.
export const createConnection: Connect['createConnection'] = function createConnection(
  this: unknown,
  connectOptions,
  connectListener,
) {
  return connectLib().createConnection.call(this, connectOptions, connectListener);
};
export const createTlsConnection: Connect['createTlsConnection'] = function createTlsConnection(
  this: unknown,
  connectOptions,
  secureListener,
) {
  return connectLib().createTlsConnection.call(this, connectOptions, secureListener);
};
export const undiciConnector: Agent['undiciConnector'] = function undiciConnector(connectorOptions) {
  return agent().undiciConnector(connectorOptions);
};
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
    return getConstants();
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
export type { ServerSizesReport } from './sizes.js';
export type { ConnectOptions, ConnectAttemptReport, ConnectSocketOptions, SockbufConnectOptions } from './connect.js';
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
