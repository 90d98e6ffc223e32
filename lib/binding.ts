// Loads the compiled addon (a prebuild, or a local build) and gives it a
// typed interface. Nothing else in lib/ touches the binary directly.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { coded } from './errors.js';
import { ErrorCodes } from './codes.js';
import { binaryRequest, libc, looksGlibc } from './runtime.js';

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
  /**
   * The struct TCP_INFO (Linux) / TCP_CONNECTION_INFO (macOS) fills, from the
   * headers (native/tcpinfo.cc). A getter: each read builds a new object, so
   * read it once (lib/tcpinfo.ts does).
   */
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
  readonly layout: NativeLayout;
}

/** The folder holding package.json, binding.gyp and prebuilds/ (unless sockbuf was bundled). */
// (An ESM bundle has no __dirname: then only an explicit binary can load.)
const packageRoot = typeof __dirname === 'string' ? join(__dirname, '..') : '';

/** True when packageRoot is sockbuf's own folder, not the folder of a bundle. */
function inPackage(): boolean {
  if (packageRoot === '') return false;
  try {
    return (
      (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { name?: unknown }).name === 'sockbuf'
    );
  } catch {
    return false;
  }
}

function firstLine(cause: unknown): string {
  return cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
}

/** The compile-from-source command for each package manager; native/binding.gyp builds into build/Release. */
function compileCommands(): string[] {
  const cd = `cd ${JSON.stringify(join(packageRoot, 'native'))} &&`;
  return [
    `npm:  ${cd} npx --yes node-gyp@12 rebuild`,
    `pnpm: ${cd} pnpm dlx node-gyp@12 rebuild`,
    `yarn: ${cd} yarn dlx node-gyp@12 rebuild`,
    `bun:  ${cd} bunx node-gyp@12 rebuild`,
  ];
}

function noBinaryError(cause: unknown): Error {
  if (!inPackage()) {
    return coded(
      `sockbuf: its compiled binary was not found: sockbuf seems to be bundled (${
        packageRoot === ''
          ? 'it runs without __dirname'
          : `${JSON.stringify(packageRoot)} is not sockbuf's package folder`
      }, so its prebuilds/ folder is not at hand).\n` +
        `Mark sockbuf as external in the bundler (esbuild: --external:sockbuf), or point SOCKBUF_BINARY at the .node file ` +
        `(for example node_modules/sockbuf/prebuilds/${process.platform}-${process.arch}/sockbuf.node), or call useBinary() from 'sockbuf/binary'.\n` +
        `(${firstLine(cause)})`,
      ErrorCodes.NO_BINARY,
      cause,
    );
  }
  const c = libc();
  const target = `${process.platform}-${process.arch}${c ? ` (${c})` : ''}`;
  return coded(
    `sockbuf: no prebuilt binary matches ${target} on Node ${process.version}, and none was compiled here.\n` +
      `Compile it from source (needs python3, make and a C++17 compiler) with your package manager's runner:\n` +
      compileCommands()
        .map((line) => `  ${line}\n`)
        .join('') +
      `(${firstLine(cause)})`,
    ErrorCodes.NO_BINARY,
    cause,
  );
}

/** Set when the binary came from useBinary() or SOCKBUF_BINARY: what it was. */
let loadedFrom: string | undefined;

/** The binary useBinary() or SOCKBUF_BINARY names; no fallback when it fails. */
function loadExplicit(source: string | object, origin: string): NativeBinding {
  loadedFrom = typeof source === 'string' ? JSON.stringify(source) : `the addon passed to ${origin}`;
  if (typeof source !== 'string') return source as NativeBinding;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(source) as NativeBinding;
  } catch (err) {
    throw coded(
      `sockbuf: cannot load the binary ${origin} names, ${JSON.stringify(source)}: ${firstLine(err)}`,
      ErrorCodes.NO_BINARY,
      err,
    );
  }
}

// load() and checked() hold only what a successful load runs: V8 compiles a
// function at its first call, at a cost that grows with its length (about
// 0.1 ms for the messages and fallbacks these had inline), so the rare
// paths are functions of their own, compiled only when taken.

function load(): NativeBinding {
  if (process.platform === 'win32') throw windowsError();
  const request = binaryRequest();
  if (request.source !== undefined) return loadExplicit(request.source, 'useBinary()');
  const fromEnv = process.env.SOCKBUF_BINARY;
  if (fromEnv) return loadExplicit(resolve(fromEnv), 'SOCKBUF_BINARY');
  if (packageRoot === '') throw noBinaryError(new Error('__dirname is not defined (an ES module bundle)'));
  // node-gyp-build's first choices, without loading it and scanning folders:
  // a local build, then the prebuild for this platform. prebuildify --napi
  // names it after the package, and --tag-libc adds .musl for musl: on musl
  // that file comes first; on glibc it comes last, tried only if the glibc
  // file does not load. looksGlibc() (lib/runtime.ts) answers for most glibc
  // systems without libc()'s read of the executable.
  const dir = join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
  const candidates = [join(dir, 'sockbuf.node')];
  if (process.platform === 'linux') {
    // On glibc the musl file is the last resort, and the loop below checks
    // whether it exists only if it gets there.
    const muslFile = join(dir, 'sockbuf.musl.node');
    if (!looksGlibc() && existsSync(muslFile) && libc() === 'musl') candidates.unshift(muslFile);
    else candidates.push(muslFile);
  }
  // PREBUILDS_ONLY=1 (as node-gyp-build honours it) proves the packaged binary loads.
  if (!process.env.PREBUILDS_ONLY) candidates.unshift(join(packageRoot, 'build', 'Release', 'sockbuf.node'));
  let failed: Error | undefined;
  for (const file of candidates) {
    if (existsSync(file)) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file) as NativeBinding;
      } catch (err) {
        // Not loadable here (a build for another libc or CPU, say):
        // node-gyp-build below knows every tag and picks the right file.
        failed ??= loadFailure(file, err);
      }
    }
  }
  return loadFallback(failed);
}

function windowsError(): Error {
  return coded(
    'sockbuf is not supported on Windows: Node exposes no file descriptor for TCP and UDP handles there (libuv uses SOCKETs it does not hand out), so there is nothing to call getsockopt/setsockopt on.',
    ErrorCodes.UNAVAILABLE,
  );
}

function loadFailure(file: string, err: unknown): Error {
  return new Error(`${file} exists but does not load: ${firstLine(err)}`, { cause: err });
}

/** No candidate file loaded: node-gyp-build's full search, in sockbuf's own folder only. */
function loadFallback(failed: Error | undefined): NativeBinding {
  // A bundle's folder is not sockbuf's: node-gyp-build would load whatever
  // addon it finds in build/ there. Only SOCKBUF_BINARY or useBinary() can help.
  if (!inPackage()) throw noBinaryError(failed ?? new Error(`no sockbuf.node in ${packageRoot}`));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
    return nodeGypBuild(packageRoot);
  } catch (err) {
    throw noBinaryError(failed ?? err);
  }
}

/** A binary from another version of sockbuf (a stale build/) lacks what lib calls. */
function checked(binding: NativeBinding): NativeBinding {
  if (
    typeof binding?.getIntFrame !== 'function' ||
    !(binding.frame?.length >= 5) ||
    // makeConstants first: reading `constants` of this version's binary makes the table.
    (typeof (binding as { makeConstants?: unknown }).makeConstants !== 'function' &&
      typeof (binding as { constants?: unknown }).constants !== 'object')
  ) {
    throw mismatchError();
  }
  return binding;
}

function mismatchError(): Error {
  return coded(
    loadedFrom === undefined
      ? `sockbuf: the compiled binary in ${packageRoot} does not match this version of sockbuf; rebuild it: cd ${JSON.stringify(join(packageRoot, 'native'))} && npx --yes node-gyp@12 rebuild`
      : `sockbuf: ${loadedFrom} is not a sockbuf binary of this version`,
    ErrorCodes.NO_BINARY,
  );
}

/** The binary, loaded and checked; only then may useBinary() refuse (a failed load can be retried with another). */
function loadChecked(): NativeBinding {
  const binding = checked(load());
  binaryRequest().loaded = true;
  return binding;
}

export const native: NativeBinding = loadChecked();
