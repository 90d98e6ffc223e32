// What sockbuf runs on: the JavaScript runtime (Node, Bun or Deno) and, on
// Linux, whether the process looks like a glibc one (two file checks). Both
// are read from values already in memory or the file system, never from
// process.report (it takes tens of milliseconds). The full answer, glibc or
// musl from the executable's first bytes, is lib/libc.ts's.
import { existsSync } from 'node:fs';

export type RuntimeName = 'node' | 'bun' | 'deno';

/** The runtime executing sockbuf. Bun and Deno both set process.versions.node too. */
export const runtime: RuntimeName =
  typeof process.versions.deno === 'string' ? 'deno' : typeof process.versions.bun === 'string' ? 'bun' : 'node';

/** The runtime name when its sockets have no reachable descriptor (Deno), else undefined. */
export const socketsWithoutFd: RuntimeName | undefined = runtime === 'deno' ? 'deno' : undefined;

/**
 * Where `useBinary()` (lib/binary.ts, the `sockbuf/binary` entry) leaves its
 * request for the loader: a per-realm global, so that requiring sockbuf
 * never loads lib/binary.ts, and a bundled copy of `sockbuf/binary` reaches
 * the loader of an external sockbuf.
 */
export const binaryRequestKey = Symbol.for('sockbuf.binary');
export interface BinaryRequest {
  /** A path to a .node file (absolute), or an addon already loaded. */
  source?: string | object;
  /** Set by the loader once a binary loaded and passed its check; useBinary() refuses after. */
  loaded?: boolean;
}
/** The request slot, made on first use. */
export function binaryRequest(): BinaryRequest {
  const slots = globalThis as unknown as Record<symbol, BinaryRequest | undefined>;
  return (slots[binaryRequestKey] ??= {});
}

/** Each CPU's dynamic loaders at their standard paths: glibc's (fixed by the CPU's ABI) and musl's. */
const LOADERS: Readonly<Record<string, readonly [glibc: string, musl: string]>> = {
  x64: ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-musl-x86_64.so.1'],
  arm64: ['/lib/ld-linux-aarch64.so.1', '/lib/ld-musl-aarch64.so.1'],
};

/**
 * True when this process runs on glibc as far as two file checks can tell,
 * without libc()'s read of the executable (lib/libc.ts) (about 1 ms of first-use work in
 * Node's fs and Buffer code, which the loader would pay at every require):
 * glibc's dynamic loader is at the path its ABI fixes, musl's is not at its
 * usual one (musl's own install path, Debian's musl package's too), and LIBC
 * is not set; a system without glibc's loader at that path fails the first
 * check, and libc() decides. It takes for glibc a musl Node on a system that
 * has glibc's loader at that path and musl's elsewhere; the glibc binary is
 * then tried first, as node-gyp-build (Alpine or glibc) would pick too.
 */
export function looksGlibc(): boolean {
  if (process.platform !== 'linux') return false;
  if (process.env.LIBC !== undefined && process.env.LIBC !== '') return false;
  const loaders = LOADERS[process.arch];
  return loaders !== undefined && existsSync(loaders[0]) && !existsSync(loaders[1]);
}
