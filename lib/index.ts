// sockbuf: kernel socket buffers and socket options for Node.js sockets.
export { constants } from './constants';
export { getsockopt, setsockopt, MAX_GET_LENGTH, type OptionBytes } from './raw';
export {
  getBufferSizes,
  getRecvBufferSize,
  getSendBufferSize,
  setBufferSizes,
  setRecvBufferSize,
  setSendBufferSize,
  configureServer,
  type BufferSizeReport,
  type BufferSizes,
  type BufferSizesReport,
  type SetBufferSizesOptions,
  type SetBufferSizeOptions,
  type ConfigureServerOptions,
} from './sizes';
export {
  getOption,
  setOption,
  optionCatalog,
  type Linger,
  type OptionName,
  type OptionValue,
  type WritableOptionName,
} from './options';
export { systemLimits, type SystemLimits, type Range, type PageThresholds } from './limits';
export { socketMemory, queuedBytes, type SocketMemory, type QueuedBytes } from './observe';
export { ErrorCodes, type SystemError, type CodedError } from './errors';
export type { SocketLike } from './resolve';
export { type PeerCredentials, type SetOptionOptions, type UnsafeOptionName, type PreparedOption } from './options';
export type { Constants, ConstantName, CommonConstantName, PlatformConstantName } from './constants';
export type { ServerSizesReport } from './sizes';
export {
  connect,
  connectReports,
  createConnection,
  createTlsConnection,
  CONFIGURED_EVENT,
  type ConnectOptions,
  type ConnectAttemptReport,
  type ConnectSocketOptions,
  type SockbufConnectOptions,
} from './connect';
export {
  undiciConnector,
  type UndiciConnectorOptions,
  type UndiciConnectParams,
  type UndiciConnectCallback,
} from './agent';
export { tcpInfo, type TcpInfo, type TcpState } from './tcpinfo';
export {
  measureDatagramCost,
  recommendUdpBuffer,
  type DatagramCost,
  type MeasureOptions,
  type UdpBufferOptions,
  type UdpBufferRecommendation,
} from './udpsizing';
export { diagnose, type Diagnosis, type TcpSample, type Verdict, type Shares } from './diagnose';

// TypeScript compiles the re-exports above to getters, which cost ~8 ns on
// every `sockbuf.fn()` call; make them plain read-only data properties.
for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(exports))) {
  if (descriptor.get !== undefined) {
    Object.defineProperty(exports, key, { value: descriptor.get(), enumerable: true, writable: false });
  }
}
