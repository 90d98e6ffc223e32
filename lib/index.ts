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
export { runtime, type RuntimeName } from './runtime';
export type { BinarySource } from './binary';

// `import sockbuf from 'sockbuf'`: TypeScript's esModuleInterop, Babel and
// bundlers read `default` from a module that sets __esModule. It is this
// module itself, so `sockbuf.fn()` is the same property read as with require.
declare const exports: typeof import('./index');
export default exports;

// TypeScript compiles the re-exports above to getters, which cost ~8 ns on
// every `sockbuf.fn()` call; make them plain read-only data properties.
for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(exports))) {
  if (descriptor.get !== undefined) {
    Object.defineProperty(exports, key, { value: descriptor.get(), enumerable: true, writable: false });
  }
}
