// What sockbuf runs on: the JavaScript runtime (Node, Bun or Deno) and, on
// Linux, the C library of the process (glibc or musl). Both are read from
// values already in memory, two file checks or the first bytes of the
// executable, never from process.report (it takes tens of milliseconds).
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { coded, type CodedError } from './errors.js';
import { ErrorCodes } from './codes.js';

export type RuntimeName = 'node' | 'bun' | 'deno';

/** The runtime executing sockbuf. Bun and Deno both set process.versions.node too. */
export const runtime: RuntimeName =
  typeof process.versions.deno === 'string' ? 'deno' : typeof process.versions.bun === 'string' ? 'bun' : 'node';

/**
 * Deno's node:net and node:dgram sockets are built on Deno's own resources,
 * which have no file descriptor a program can reach: the error for every
 * socket object there. Numeric descriptors (and `{ fd }`) still work.
 */
export function socketWithoutFdError(what: string): CodedError {
  return coded(
    `sockbuf cannot act on a ${what} under Deno ${process.versions.deno}: Deno does not expose the file descriptors of its sockets ` +
      `(its node:net and node:dgram run on Deno's own resources). Pass a descriptor number (or { fd }) that this process owns, ` +
      `or run the program with Node.js or Bun.`,
    ErrorCodes.UNSUPPORTED_RUNTIME,
  );
}

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

let libcCache: 'glibc' | 'musl' | '' | undefined;

/**
 * The C library this process runs on: 'musl' or 'glibc' on Linux, '' elsewhere.
 * `LIBC=musl|glibc` overrides it, as it does for node-gyp-build. Otherwise
 * the answer is the dynamic loader the executable asks for (its ELF
 * PT_INTERP: /lib/ld-musl-*.so.1 on musl); a static executable counts as glibc.
 */
export function libc(): 'glibc' | 'musl' | '' {
  if (libcCache !== undefined) return libcCache;
  if (process.platform !== 'linux') return (libcCache = '');
  const forced = process.env.LIBC;
  if (forced === 'musl' || forced === 'glibc') return (libcCache = forced);
  return (libcCache = /\/ld-musl-/.test(interpreter(process.execPath)) ? 'musl' : 'glibc');
}

/** Each CPU's dynamic loaders at their standard paths: glibc's (fixed by the CPU's ABI) and musl's. */
const LOADERS: Readonly<Record<string, readonly [glibc: string, musl: string]>> = {
  x64: ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-musl-x86_64.so.1'],
  arm64: ['/lib/ld-linux-aarch64.so.1', '/lib/ld-musl-aarch64.so.1'],
};

/**
 * True when this process runs on glibc as far as two file checks can tell,
 * without libc()'s read of the executable (about 1 ms of first-use work in
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

/** The PT_INTERP path of a 64-bit little-endian ELF executable, or ''. */
function interpreter(file: string): string {
  const head = Buffer.alloc(4096);
  let length = 0;
  try {
    const fd = openSync(file, 'r');
    try {
      length = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
  // ELF magic, ELFCLASS64, ELFDATA2LSB.
  if (length < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return '';
  const phoff = Number(head.readBigUInt64LE(32));
  const phentsize = head.readUInt16LE(54);
  const phnum = head.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 48 > length) break;
    if (head.readUInt32LE(at) !== 3) continue; // PT_INTERP
    const offset = Number(head.readBigUInt64LE(at + 8));
    const size = Number(head.readBigUInt64LE(at + 32));
    if (offset + size > length) break;
    return head.toString('latin1', offset, offset + size).replace(/\0.*$/s, '');
  }
  return '';
}
