// The C library of this process on Linux (glibc or musl), read from the
// executable's ELF header: the dynamic loader it asks for. Only a load on a
// system that does not look like glibc (lib/runtime.ts's looksGlibc) and the
// no-binary message need it, so it is not part of require('sockbuf').
import { closeSync, openSync, readSync } from 'node:fs';

/** What the executable asks for: it cannot change while the process runs. */
let fromExecutable: 'glibc' | 'musl' | undefined;

/**
 * The C library this process runs on: 'musl' or 'glibc' on Linux, '' elsewhere.
 * `LIBC=musl|glibc` overrides it, as it does for node-gyp-build. Otherwise
 * the answer is the dynamic loader the executable asks for (its ELF
 * PT_INTERP: /lib/ld-musl-*.so.1 on musl); a static executable counts as glibc.
 * LIBC is read at each call, so a require retried after a failed one (this
 * module stays loaded) chooses its files, and names the C library in its
 * message, by the variable as it is then; only the executable's answer is
 * kept. (node-gyp-build, the last fallback, reads LIBC once, when it is
 * first loaded: a program that changes LIBC between two failed requires
 * gets that first value in the error's cause.)
 */
export function libc(): 'glibc' | 'musl' | '' {
  if (process.platform !== 'linux') return '';
  const forced = process.env.LIBC;
  if (forced === 'musl' || forced === 'glibc') return forced;
  return (fromExecutable ??= /\/ld-musl-/.test(interpreter(process.execPath)) ? 'musl' : 'glibc');
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
