// Loads the compiled addon (a prebuild, or a local build) and gives it a
// typed interface. Nothing else in lib/ touches the binary directly.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { binaryRequest, looksGlibc } from './runtime.js';

// Every failure's message, and the full search of node-gyp-build, are in
// lib/loadfail.ts; the reader of the executable that tells musl from glibc
// is in lib/libc.ts. A successful load on glibc needs neither, so they are
// required only on the branch that does (a require() inside a function: the
// bundle keeps them out of dist/index.js, and test/loading.test.ts checks
// that a require('sockbuf') loads no other file).
type LoadFailures = typeof import('./loadfail.js');
let loadFailures: LoadFailures | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const failures = (): LoadFailures => (loadFailures ??= require('./loadfail.js') as LoadFailures);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const libc = (): string => (require('./libc.js') as typeof import('./libc.js')).libc();

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

// In a webpack bundle, `require(variable)` is webpack's own context require,
// which cannot load a file named at run time; webpack gives Node's require as
// __non_webpack_require__ (and nothing else defines that name).
declare const __non_webpack_require__: NodeJS.Require | undefined;

/** Set when the binary came from useBinary() or SOCKBUF_BINARY: what it was. */
let loadedFrom: string | undefined;

/** The binary useBinary() or SOCKBUF_BINARY names; no fallback when it fails. */
function loadExplicit(source: string | object, origin: string): NativeBinding {
  loadedFrom = typeof source === 'string' ? JSON.stringify(source) : `the addon passed to ${origin}`;
  if (typeof source !== 'string') return source as NativeBinding;
  try {
    const nodeRequire = typeof __non_webpack_require__ === 'function' ? __non_webpack_require__ : require;
    return nodeRequire(source) as NativeBinding;
  } catch (err) {
    throw failures().explicitLoadError(origin, source, err);
  }
}

// locate(), load() and checked() hold only what a successful load runs: V8
// compiles a function at its first call, at a cost that grows with its
// length (about 0.1 ms for the messages and fallbacks these had inline), and
// scans every byte of the file it loads, so the rare paths live in
// lib/loadfail.ts.

/**
 * What require('sockbuf') decides: the binary useBinary() or SOCKBUF_BINARY
 * names (loaded now: 'loaded'), or the package's files to try, in order, of
 * which at least one exists (loaded on first use). Throws, as a failed
 * load does, where nothing can load: Windows, a bundle that names no binary,
 * a package with no binary for this platform.
 */
function locate(): 'loaded' | readonly string[] {
  if (process.platform === 'win32') throw failures().windowsError();
  const request = binaryRequest();
  if (request.source !== undefined || process.env.SOCKBUF_BINARY) {
    loadedBinding = checked(load());
    return 'loaded';
  }
  if (packageRoot === '')
    throw failures().noBinaryError(packageRoot, new Error('__dirname is not defined (an ES module bundle)'));
  // node-gyp-build's first choices, without loading it and scanning folders:
  // a local build, then the prebuild for this platform. prebuildify --napi
  // names it after the package, and --tag-libc adds .musl for musl: on musl
  // that file comes first; on glibc it comes last, tried only if the glibc
  // file does not load. looksGlibc() (lib/runtime.ts) answers for most glibc
  // systems without libc()'s read of the executable (lib/libc.ts).
  const dir = join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`);
  const candidates = [join(dir, 'sockbuf.node')];
  if (process.platform === 'linux') {
    const muslFile = join(dir, 'sockbuf.musl.node');
    if (!looksGlibc() && existsSync(muslFile) && libc() === 'musl') candidates.unshift(muslFile);
    else candidates.push(muslFile);
  }
  // PREBUILDS_ONLY=1 (as node-gyp-build honours it) proves the packaged binary loads.
  if (!process.env.PREBUILDS_ONLY) candidates.unshift(join(packageRoot, 'build', 'Release', 'sockbuf.node'));
  // On glibc the musl file is the last resort: whether it exists is checked
  // only if no file before it exists (here) or loads (in load()).
  if (!candidates.some((file) => existsSync(file))) {
    // No file where it is looked for first: node-gyp-build's full search
    // (other tags, other folders), now, so that a package without a binary
    // for this platform still fails at require.
    loadedBinding = checked(failures().loadFallback(packageRoot, undefined));
    return 'loaded';
  }
  return candidates;
}

/** Loads the binary: the files locate() found, or (a retry after a failed load) the whole search again. */
function load(files?: readonly string[]): NativeBinding {
  const request = binaryRequest();
  if (request.source !== undefined) return loadExplicit(request.source, 'useBinary()');
  const fromEnv = process.env.SOCKBUF_BINARY;
  if (fromEnv) return loadExplicit(resolve(fromEnv), 'SOCKBUF_BINARY');
  if (files === undefined) {
    // A retry after a failed load: the whole choice again.
    const found = locate();
    if (found === 'loaded') return loadedBinding!;
    files = found;
  }
  let failed: Error | undefined;
  for (const file of files) {
    if (existsSync(file)) {
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        return require(file) as NativeBinding;
      } catch (err) {
        // Not loadable here (a build for another libc or CPU, say):
        // node-gyp-build below knows every tag and picks the right file.
        failed ??= failures().loadFailure(file, err);
      }
    }
  }
  return failures().loadFallback(packageRoot, failed);
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
    throw failures().mismatchError(packageRoot, loadedFrom);
  }
  return binding;
}

// The binary loads when a call first needs it, not at require('sockbuf'):
// dlopen and Node-API's set-up of this addon cost about 1 ms of CPU after
// the require (bench/startup.js; about 2 ms in a process that has loaded
// nothing else), a quarter to a half of the require's own cost, and a
// program that requires sockbuf and makes no call (a test runner collecting
// files, a code path not taken) never pays them. What can
// be decided without loading is decided at require, so that a package with no
// binary for this platform, a bundle that names none, a named binary that does
// not load, and Windows still fail there; what fails only at the load (a file
// of another CPU or libc, a stale build) fails at the first call that needs
// the binary, with the same error, and the next call tries again.
let loadedBinding: NativeBinding | undefined;
/** The files require() chose, until a load from them fails. */
let located: readonly string[] | undefined;

/** The binary, loaded and checked on the first call (each module of lib/ that calls it takes it once, when it loads). */
export function loadNative(): NativeBinding {
  return loadedBinding ?? loadNow();
}

function loadNow(): NativeBinding {
  const request = binaryRequest();
  try {
    loadedBinding = checked(load(located));
    request.loaded = true;
    return loadedBinding;
  } catch (err) {
    // useBinary() may name another binary now, and the next call tries it
    // (or the whole search again).
    located = undefined;
    request.loaded = false;
    throw err;
  }
}

const chosen = locate();
if (chosen !== 'loaded') located = chosen;
// The choice is made: useBinary() refuses from here on, as it did when the
// binary loaded here (a first call whose load fails lifts that again).
binaryRequest().loaded = true;
