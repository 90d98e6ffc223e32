// Loads the compiled addon (a prebuild, or a local build) and gives it a
// typed interface. Nothing else in lib/ touches the binary directly.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { coded, ErrorCodes } from './errors';

/** Layout of the C structs the option catalog converts, from the headers. */
export interface NativeLayout {
  readonly timeval: {
    readonly size: number;
    readonly secOffset: number;
    readonly secSize: number;
    readonly usecOffset: number;
    readonly usecSize: number;
  };
  readonly linger: { readonly size: number; readonly onoffOffset: number; readonly lingerOffset: number };
  readonly intSize: number;
  /** Bytes of SO_MEMINFO's array (Linux only). */
  readonly meminfoSize?: number;
  /** struct ucred, SO_PEERCRED's value (Linux only). */
  readonly ucred?: {
    readonly size: number;
    readonly pidOffset: number;
    readonly uidOffset: number;
    readonly gidOffset: number;
  };
  /** The struct TCP_INFO (Linux) / TCP_CONNECTION_INFO (macOS) fills, from the headers (native/tcpinfo.cc). */
  readonly tcpInfo?: NativeTcpInfoLayout;
}

/** Field offsets of the TCP_INFO struct; names are the C names without `tcpi_`. */
export interface NativeTcpInfoLayout {
  readonly struct: 'tcp_info' | 'tcp_connection_info';
  readonly size: number;
  /** [byte offset, byte size] of each integer field the header declares. */
  readonly fields: Readonly<Record<string, readonly [number, number]>>;
  /** [byte offset, mask] of each bit-field or single byte. */
  readonly bits: Readonly<Record<string, readonly [number, number]>>;
  /** The values tcpi_state takes, by name ('established', 'listen', ...). */
  readonly states: Readonly<Record<string, number>>;
}

/**
 * The binary's interface. Int options go through `frame` (see below); the
 * other getters return undefined on failure and leave the errno for
 * lastErrno(); setBytes returns 0 or the errno.
 */
export interface NativeBinding {
  getBytes(fd: number, level: number, option: number, length: number): Buffer | undefined;
  setBytes(fd: number, level: number, option: number, bytes: Uint8Array): number;
  queued(fd: number, queue: 0 | 1): number | undefined;
  lastErrno(): number;
  /**
   * The int calls' frame, owned by this environment: lib writes [0] fd,
   * [1] level, [2] option, [3] value, calls getIntFrame/setIntFrame, and reads
   * [3] value and [4] errno (0 on success) back.
   */
  readonly frame: Int32Array;
  getIntFrame(): void;
  setIntFrame(): void;
  /** macOS only: an integer sysctl by name, undefined when missing. */
  sysctl?(name: string): number | undefined;
  readonly constants: Readonly<Record<string, number>>;
  readonly layout: NativeLayout;
}

/** The folder holding package.json, binding.gyp and prebuilds/. */
const packageRoot = path.join(__dirname, '..');

function libcName(): string {
  if (process.platform !== 'linux') return '';
  const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/** The compile-from-source command for each package manager; native/binding.gyp builds into build/Release. */
function compileCommands(): string[] {
  const cd = `cd ${JSON.stringify(path.join(packageRoot, 'native'))} &&`;
  return [
    `npm:  ${cd} npx --yes node-gyp rebuild`,
    `pnpm: ${cd} pnpm dlx node-gyp rebuild`,
    `yarn: ${cd} yarn dlx node-gyp rebuild`,
    `bun:  ${cd} bunx node-gyp rebuild`,
  ];
}

function noBinaryError(cause: unknown): Error {
  const libc = libcName();
  const target = `${process.platform}-${process.arch}${libc ? ` (${libc})` : ''}`;
  return coded(
    `sockbuf: no prebuilt binary matches ${target} on Node ${process.version}, and none was compiled here.\n` +
      `Compile it from source (needs python3, make and a C++17 compiler) with your package manager's runner:\n` +
      compileCommands()
        .map((line) => `  ${line}\n`)
        .join('') +
      `(${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`,
    ErrorCodes.NO_BINARY,
    cause,
  );
}

function load(): NativeBinding {
  if (process.platform === 'win32') {
    throw coded(
      'sockbuf is not supported on Windows: Node exposes no file descriptor for TCP and UDP handles there (libuv uses SOCKETs it does not hand out), so there is nothing to call getsockopt/setsockopt on.',
      ErrorCodes.UNAVAILABLE,
    );
  }
  // node-gyp-build's first two choices, without loading it and scanning
  // folders: a local build, then the prebuild for this platform (prebuildify
  // --napi names it after the package, with no tags).
  const candidates = [path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'sockbuf.node')];
  // PREBUILDS_ONLY=1 (as node-gyp-build honours it) proves the packaged binary loads.
  if (!process.env.PREBUILDS_ONLY) candidates.unshift(path.join(packageRoot, 'build', 'Release', 'sockbuf.node'));
  for (const file of candidates) {
    if (existsSync(file)) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file) as NativeBinding;
      } catch {
        // Not loadable here (a glibc binary on musl, say): node-gyp-build
        // below knows the libc and other tags and picks the right file.
      }
    }
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
    return nodeGypBuild(packageRoot);
  } catch (err) {
    throw noBinaryError(err);
  }
}

/** A binary from another version of sockbuf (a stale build/) lacks what lib calls. */
function checked(binding: NativeBinding): NativeBinding {
  if (typeof binding.getIntFrame !== 'function' || !(binding.frame?.length >= 5)) {
    throw coded(
      `sockbuf: the compiled binary in ${packageRoot} does not match this version of sockbuf; rebuild it: cd ${JSON.stringify(path.join(packageRoot, 'native'))} && npx --yes node-gyp rebuild`,
      ErrorCodes.NO_BINARY,
    );
  }
  return binding;
}

export const native: NativeBinding = checked(load());
