// Raw getsockopt/setsockopt on the descriptor behind any socket-like value.
// Node's Buffer by import: the global `Buffer` is a getter on globalThis,
// which cost ~10-20 ns at each byte get.
import { Buffer } from 'node:buffer';
import { constants as osConstants } from 'node:os';
import { types } from 'node:util';
import { loadNative } from './binding.js';
import { invalidArgType, invalidArgValue, outOfRange, systemError } from './errors.js';
import { resolveFd, type SocketLike } from './resolve.js';
import { INT32_MIN, UINT32_MAX, validateInt32, validateInteger } from './validate.js';

// This module loads on the first call that needs it; the binary loads with it.
const native = loadNative();

/** Largest number of bytes a raw get may ask the kernel for. */
export const MAX_GET_LENGTH = 1 << 20;

/** Bytes accepted by setsockopt. */
export type OptionBytes = Buffer | ArrayBufferView | ArrayBuffer | SharedArrayBuffer;

let constantNames: typeof import('./constant-names.js') | undefined;

/** Throws the system error for a failed getsockopt/setsockopt. */
export function optionError(errno: number, syscall: string, fd: number, level: number, option: number): Error {
  // The constants' names load on this error path only, not with raw.ts.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  constantNames ??= require('./constant-names.js') as typeof import('./constant-names.js');
  return systemError(errno, syscall, fd, { level, option, label: constantNames.describeOption(level, option) });
}

// The frame: the ONLY code that writes native.frame and native.bytes.
//
// The int, byte and queue calls go through memory the addon owns: an
// Int32Array `frame` for the arguments and results, and a Uint8Array `bytes`
// for option values, so that neither side converts a value or creates an
// object on success, and a call costs little more than the system call.
// Safety rests on one rule: only validated primitives reach the frame. Every
// function below takes numbers that its caller has already validated (an
// fd from resolveFd, level/option/value through lib/validate.ts, a length
// within the area) and byte views already checked by toBytes; nothing in
// between runs user code. The native side re-checks lengths against the
// area, so a misuse cannot make the kernel go past it.
// (test/property.test.ts drives random inputs through every public
// function and checks that only the socket passed is ever touched.)
interface FrameBinding {
  /** Per-environment byte area (absent in a binary from before it existed). */
  readonly bytes?: Uint8Array;
  getBytesFrame?(): void;
  setBytesFrame?(): void;
  queuedFrame?(): void;
  setGetIntFrame?(): void;
  readNumberFiles?(paths: string): void;
}
const binding = native as typeof native & FrameBinding;
const frame = native.frame;
const FD = 0;
const LEVEL = 1;
const OPTION = 2;
const VALUE = 3;
const ERRNO = 4;
const SEND = 5;
const UNSENT = 6;
const UNSENT_ERRNO = 7;
/** The byte area; lengths past it (rare: up to MAX_GET_LENGTH) take the slower path. */
const area: Uint8Array = binding.bytes ?? new Uint8Array(0);
const AREA_SIZE = area.length;
/** The area as 32-bit words in host order, for structs of u32 such as SO_MEMINFO. */
const areaWords = new Uint32Array(area.buffer, area.byteOffset, AREA_SIZE >> 2);
const areaInt32s = new Int32Array(area.buffer, area.byteOffset, AREA_SIZE >> 2);
const areaDoubles = new Float64Array(area.buffer, area.byteOffset, AREA_SIZE >> 3);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const AREA_BUFFER = area.buffer;
const AREA_OFFSET = area.byteOffset;
/** A new view of the area's first `n` bytes, made without reading anything a caller could have patched. */
function areaHead(n: number): Uint8Array {
  return new Uint8Array(AREA_BUFFER, AREA_OFFSET, n);
}

/** getsockopt of an int-valued option on an fd already resolved. */
export function getIntFd(fd: number, level: number, option: number): number {
  frame[FD] = fd;
  frame[LEVEL] = level;
  frame[OPTION] = option;
  native.getIntFrame();
  const errno = frame[ERRNO];
  if (errno !== 0) throw optionError(errno, 'getsockopt', fd, level, option);
  return frame[VALUE];
}

/** getsockopt of an int-valued option; 0 or the errno (the value is then lastIntValue()). */
export function getIntFdErrno(fd: number, level: number, option: number): number {
  frame[FD] = fd;
  frame[LEVEL] = level;
  frame[OPTION] = option;
  native.getIntFrame();
  return frame[ERRNO];
}

/** The value of the last successful getIntFdErrno. */
export function lastIntValue(): number {
  return frame[VALUE];
}

/** setsockopt of an int-valued option on an fd already resolved; 0 or the errno. */
export function setIntFdErrno(fd: number, level: number, option: number, value: number): number {
  frame[FD] = fd;
  frame[LEVEL] = level;
  frame[OPTION] = option;
  frame[VALUE] = value;
  native.setIntFrame();
  return frame[ERRNO];
}

/**
 * setsockopt(option, value) then getsockopt(readOption), in one native call
 * where the binary has it: 0 or the errno, with setGetFailedRead() saying
 * which call failed; the value read is then lastIntValue(). For int options
 * of full size (the buffer sizes): unlike getIntFd, a one-byte answer is
 * not widened.
 */
export function setGetIntFdErrno(fd: number, level: number, option: number, value: number, readOption: number): number {
  if (binding.setGetIntFrame === undefined) {
    // A binary from before setGetIntFrame: the same two calls, one by one.
    const err = setIntFdErrno(fd, level, option, value);
    if (err !== 0) {
      frame[UNSENT] = 0;
      return err;
    }
    const readErr = getIntFdErrno(fd, level, readOption);
    frame[UNSENT] = readErr === 0 ? 0 : 1;
    return readErr;
  }
  frame[FD] = fd;
  frame[LEVEL] = level;
  frame[OPTION] = option;
  frame[VALUE] = value;
  frame[SEND] = readOption;
  binding.setGetIntFrame();
  return frame[ERRNO];
}

/** After setGetIntFdErrno failed: true when the read-back failed, false when the set did. */
export function setGetFailedRead(): boolean {
  return frame[UNSENT] === 1;
}

/** setsockopt of an int-valued option on an fd already resolved. */
export function setIntFd(fd: number, level: number, option: number, value: number): void {
  const err = setIntFdErrno(fd, level, option, value);
  if (err !== 0) throw optionError(err, 'setsockopt', fd, level, option);
}

/**
 * getsockopt into the byte area (`length` at most areaSize()); returns how
 * many bytes the kernel wrote. The value stays in the area only until the
 * next call: read it at once (areaByte, areaWord) or copy it.
 */
export function getAreaFd(fd: number, level: number, option: number, length: number): number {
  frame[FD] = fd;
  frame[LEVEL] = level;
  frame[OPTION] = option;
  frame[VALUE] = length;
  binding.getBytesFrame!();
  const errno = frame[ERRNO];
  if (errno !== 0) throw optionError(errno, 'getsockopt', fd, level, option);
  return frame[VALUE];
}

/** Bytes the area holds. */
export function areaSize(): number {
  return AREA_SIZE;
}

/**
 * The area itself, to read a value getAreaFd just put there (16-byte
 * aligned). Read-only for callers: only this module writes it.
 */
export function areaBytes(): Uint8Array {
  return area;
}

/** The 32-bit word at `index` (host byte order) of the last value read into the area. */
export function areaWord(index: number): number {
  return areaWords[index];
}

/** setsockopt of the first `length` bytes of the area (written just before). */
function setAreaFd(fd: number, level: number, option: number, length: number): void {
  frame[FD] = fd;
  frame[LEVEL] = level;
  frame[OPTION] = option;
  frame[VALUE] = length;
  binding.setBytesFrame!();
  const errno = frame[ERRNO];
  if (errno !== 0) throw optionError(errno, 'setsockopt', fd, level, option);
}

/**
 * Clears the first `length` bytes of the area (before writing a struct field
 * by field), rounded up to whole 32-bit words: the area is 16-byte aligned,
 * and a word loop costs a few ns where TypedArray#fill costs ~30.
 */
function clearArea(length: number): void {
  const words = (length + 3) >> 2;
  for (let i = 0; i < words; i++) areaInt32s[i] = 0;
}

/** The int32 at `byteOffset` (a multiple of 4) of the area, host order. */
function areaInt32(byteOffset: number): number {
  return areaInt32s[byteOffset >> 2];
}

function setAreaInt32(byteOffset: number, value: number): void {
  areaInt32s[byteOffset >> 2] = value;
}

/** The int64 at `byteOffset` (a multiple of 8) of the area, host order, as a number (exact to 2^53). */
function areaInt64(byteOffset: number): number {
  const i = byteOffset >> 2;
  return LITTLE_ENDIAN ? areaInt32s[i + 1] * 4294967296 + areaWords[i] : areaInt32s[i] * 4294967296 + areaWords[i + 1];
}

// Struct options without a Buffer: struct linger and struct timeval, laid out
// as the headers say (native.layout), read and written in the area.

// The layouts, read once into constants (a property chain per call cost
// more than the struct's conversion).
const LINGER_SIZE = native.layout.linger.size;
const LINGER_ONOFF = native.layout.linger.onoffOffset;
const LINGER_SECONDS = native.layout.linger.lingerOffset;
/** Whether struct linger has bytes past its two ints (none on Linux or macOS). */
const LINGER_PADDED = LINGER_SIZE > 8;
const TIMEVAL_SIZE = native.layout.timeval.size;
const TV_SEC = native.layout.timeval.secOffset;
const TV_SEC_SIZE = native.layout.timeval.secSize;
const TV_USEC = native.layout.timeval.usecOffset;
const TV_USEC_SIZE = native.layout.timeval.usecSize;

/** getsockopt of a struct linger: { enabled: l_onoff !== 0, seconds: l_linger }. */
export function getLingerFd(fd: number, level: number, option: number): { enabled: boolean; seconds: number } {
  getAreaFd(fd, level, option, LINGER_SIZE);
  return { enabled: areaInt32(LINGER_ONOFF) !== 0, seconds: areaInt32(LINGER_SECONDS) };
}

/** setsockopt of a struct linger from validated values. */
export function setLingerFd(fd: number, level: number, option: number, enabled: boolean, seconds: number): void {
  if (LINGER_PADDED) clearArea(LINGER_SIZE);
  setAreaInt32(LINGER_ONOFF, enabled ? 1 : 0);
  setAreaInt32(LINGER_SECONDS, seconds);
  setAreaFd(fd, level, option, LINGER_SIZE);
}

function timevalField(offset: number, size: number): number {
  return size === 8 ? areaInt64(offset) : areaInt32(offset);
}

/** getsockopt of a struct timeval, in milliseconds (microseconds rounded). */
export function getTimevalMsFd(fd: number, level: number, option: number): number {
  getAreaFd(fd, level, option, TIMEVAL_SIZE);
  return timevalField(TV_SEC, TV_SEC_SIZE) * 1000 + Math.round(timevalField(TV_USEC, TV_USEC_SIZE) / 1000);
}

// A struct timeval's fields as 32-bit word slots of the area, computed once:
// the low and high words of an 8-byte field (high -1 for a 4-byte one), and
// whether the struct has bytes past its two fields (padding, as on macOS,
// where tv_usec is 4 bytes) that must go to the kernel as zeros.
const TV_SEC_LO = (TV_SEC >> 2) + (TV_SEC_SIZE === 8 && !LITTLE_ENDIAN ? 1 : 0);
const TV_SEC_HI = TV_SEC_SIZE === 8 ? (TV_SEC >> 2) + (LITTLE_ENDIAN ? 1 : 0) : -1;
const TV_USEC_LO = (TV_USEC >> 2) + (TV_USEC_SIZE === 8 && !LITTLE_ENDIAN ? 1 : 0);
const TV_USEC_HI = TV_USEC_SIZE === 8 ? (TV_USEC >> 2) + (LITTLE_ENDIAN ? 1 : 0) : -1;
const TIMEVAL_PADDED = TV_SEC_SIZE + TV_USEC_SIZE < TIMEVAL_SIZE;

/**
 * setsockopt of a struct timeval from a validated number of milliseconds
 * (finite, >= 0). Rounded to whole microseconds
 * first, then split: rounding the microseconds alone can give 1000000,
 * which the kernel refuses (EDOM). A positive value never becomes 0, which
 * the kernel reads as "no timeout".
 */
export function setTimevalMsFd(fd: number, level: number, option: number, ms: number): void {
  if (TIMEVAL_PADDED) clearArea(TIMEVAL_SIZE);
  if ((ms | 0) === ms) {
    // Whole milliseconds up to INT32_MAX (the usual value): int32 arithmetic,
    // which the JIT turns into a multiply where the general path divides
    // doubles. Both fields fit their low words; a high word is 0.
    const sec = (ms / 1000) | 0;
    areaWords[TV_SEC_LO] = sec;
    if (TV_SEC_HI >= 0) areaWords[TV_SEC_HI] = 0;
    areaWords[TV_USEC_LO] = (ms - sec * 1000) * 1000;
  } else {
    let micros = Math.round(ms * 1000);
    if (micros === 0 && ms > 0) micros = 1;
    const sec = Math.floor(micros / 1e6);
    const secHigh = Math.floor(sec / 4294967296);
    areaWords[TV_SEC_LO] = sec - secHigh * 4294967296;
    if (TV_SEC_HI >= 0) areaWords[TV_SEC_HI] = secHigh;
    areaWords[TV_USEC_LO] = micros - sec * 1e6;
  }
  // 0 <= usec < 1e6 fits its low word.
  if (TV_USEC_HI >= 0) areaWords[TV_USEC_HI] = 0;
  setAreaFd(fd, level, option, TIMEVAL_SIZE);
}

/**
 * Reads each of the '\n'-separated files (at most 32) with open, one read
 * and close, in one native call. Returns the area as doubles: slot 4*i is how
 * many integers file i holds (0 when missing, unreadable or not 1 to 3
 * integers), slots 4*i+1.. the integers. null when the binary lacks it.
 */
export function readNumberFiles(paths: string): Float64Array | null {
  if (binding.readNumberFiles === undefined) return null;
  binding.readNumberFiles(paths);
  return areaDoubles;
}

/** getsockopt into `length` bytes; returns exactly the bytes the kernel wrote (a copy). */
export function getBytesFd(fd: number, level: number, option: number, length: number): Buffer {
  if (length > AREA_SIZE) {
    const value = native.getBytes(fd, level, option, length);
    if (value === undefined) throw optionError(native.lastErrno(), 'getsockopt', fd, level, option);
    return value;
  }
  const n = getAreaFd(fd, level, option, length);
  // From Node's Buffer pool for small sizes: no allocation of its own.
  const out = Buffer.allocUnsafe(n);
  if (n <= 64) for (let i = 0; i < n; i++) out[i] = area[i];
  else copyInto.call(out, areaHead(n));
  return out;
}

/**
 * setsockopt of the first `n` bytes of a view on an fd already resolved. `n`
 * is the view's length as the engine's own accessor gave it (bytesLength
 * after toBytes, or byteLengthOf()), taken before the descriptor was
 * resolved: a caller's view or Buffer.prototype may carry a `length` getter,
 * and no caller code may run once the descriptor is known.
 */
export function setBytesFd(fd: number, level: number, option: number, bytes: Uint8Array, n: number): void {
  let err: number;
  if (n > AREA_SIZE) {
    err = native.setBytes(fd, level, option, bytes);
  } else {
    if (n <= 64) for (let i = 0; i < n; i++) area[i] = bytes[i];
    else copyInto.call(area, bytes);
    frame[FD] = fd;
    frame[LEVEL] = level;
    frame[OPTION] = option;
    frame[VALUE] = n;
    binding.setBytesFrame!();
    err = frame[ERRNO];
  }
  if (err !== 0) throw optionError(err, 'setsockopt', fd, level, option);
}

/**
 * The receive queue, the send queue and its never-sent part, on an fd
 * already resolved: three ioctls in one native call. `unsent` is -1 where
 * the socket or platform has no such count. Throws the ioctl's error.
 */
export function queuedFd(fd: number, out: { recv: number; send: number; unsent: number }): void {
  if (binding.queuedFrame === undefined) {
    out.recv = queuedOld(fd, 0);
    out.send = queuedOld(fd, 1);
    out.unsent = -1;
    return;
  }
  frame[FD] = fd;
  binding.queuedFrame();
  const errno = frame[ERRNO];
  if (errno !== 0) {
    throw systemError(errno, 'ioctl', fd, { label: QUEUE_REQUESTS[frame[OPTION]] ?? 'SIOCOUTQ' });
  }
  out.recv = frame[VALUE];
  out.send = frame[SEND];
  const unsentErrno = frame[UNSENT_ERRNO];
  if (unsentErrno === 0) out.unsent = frame[UNSENT];
  else if (unsentErrno === ENOTTY || unsentErrno === ENOTSUP || unsentErrno === EOPNOTSUPP || unsentErrno === ENOSYS) {
    // No such count here (UDP, Unix sockets, macOS; ENOSYS: an emulator such as qemu-user).
    out.unsent = -1;
  } else throw systemError(unsentErrno, 'ioctl', fd, { label: 'SIOCOUTQNSD' });
}

const QUEUE_REQUESTS = ['SIOCINQ', 'SIOCOUTQ'];
const { ENOTTY, ENOTSUP, EOPNOTSUPP, ENOSYS } = osConstants.errno as Record<string, number>;

function queuedOld(fd: number, which: 0 | 1): number {
  const value = native.queued(fd, which);
  if (value === undefined) {
    throw systemError(native.lastErrno(), 'ioctl', fd, { label: QUEUE_REQUESTS[which] });
  }
  return value;
}

// util.types' checks, taken once: node:util's exports object is large enough
// to be in dictionary mode, so `types.isUint8Array` at each call was an
// uncached lookup (perf: Builtins_LoadIC in toBytes).
const { isAnyArrayBuffer, isDataView, isSharedArrayBuffer, isUint8Array } = types;
/**
 * The engine's TypedArray#set, taken once: a caller's view (or a subclass, or
 * a view whose prototype was changed) may carry its own `set`, which must
 * never see the addon's area or run while a call is under way.
 */
const copyInto = Object.getPrototypeOf(Uint8Array.prototype).set as (this: Uint8Array, source: Uint8Array) => void;

type Getter = (this: unknown) => unknown;
function accessor(proto: object, key: string): Getter | undefined {
  return Object.getOwnPropertyDescriptor(proto, key)?.get as Getter | undefined;
}
// The engine's own accessors and methods, taken once: a value's own
// properties (which may shadow them with getters) are never read, so no
// caller code runs while the bytes are looked at.
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedBuffer = accessor(TypedArrayPrototype, 'buffer')!;
const typedOffset = accessor(TypedArrayPrototype, 'byteOffset')!;
const typedLength = accessor(TypedArrayPrototype, 'byteLength')!;
const viewBuffer = accessor(DataView.prototype, 'buffer')!;
const viewOffset = accessor(DataView.prototype, 'byteOffset')!;
const viewLength = accessor(DataView.prototype, 'byteLength')!;
const arrayBufferDetached = accessor(ArrayBuffer.prototype, 'detached');
const arrayBufferByteLength = accessor(ArrayBuffer.prototype, 'byteLength')!;
const sharedByteLength = accessor(SharedArrayBuffer.prototype, 'byteLength')!;
const arrayBufferSlice = ArrayBuffer.prototype.slice;

function isDetached(buffer: ArrayBufferLike): boolean {
  if (isSharedArrayBuffer(buffer)) return false;
  if (arrayBufferDetached !== undefined) return arrayBufferDetached.call(buffer) as boolean;
  try {
    // Node 20 lacks ArrayBuffer#detached; slicing a detached buffer throws.
    arrayBufferSlice.call(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** A view's byte length through the engine's own accessor (never a getter a caller installed). */
export function byteLengthOf(view: Uint8Array): number {
  return typedLength.call(view) as number;
}

/**
 * The byte length of the view the last successful toBytes returned, read
 * through the engine's accessor once (read it right after toBytes).
 */
let bytesLength = 0;

/**
 * A byte view over any Buffer/TypedArray/DataView/ArrayBuffer, without
 * copying; its length is then in bytesLength.
 */
export function toBytes(value: unknown, name: string): Uint8Array | undefined {
  // util.types checks work across realms (vm contexts, jest), instanceof does not.
  if (isUint8Array(value)) {
    // Passed as it is (no new object on the hot path).
    const n = typedLength.call(value) as number;
    if (n === 0 && isDetached(typedBuffer.call(value) as ArrayBufferLike)) {
      throw invalidArgValue(name, 'must not be backed by a detached ArrayBuffer', value);
    }
    bytesLength = n;
    return value;
  }
  if (!ArrayBuffer.isView(value)) {
    if (!isAnyArrayBuffer(value)) return undefined;
    // A detached buffer has length 0: only then is the (on Node 20, costly) check made.
    const shared = isSharedArrayBuffer(value);
    const size = (shared ? sharedByteLength : arrayBufferByteLength).call(value) as number;
    if (size === 0 && isDetached(value)) throw invalidArgValue(name, 'must not be a detached ArrayBuffer', value);
    const view = new Uint8Array(value);
    bytesLength = typedLength.call(view) as number;
    return view;
  }
  // A DataView's accessors throw when it is detached or out of bounds.
  const dataView = isDataView(value);
  let buffer: ArrayBufferLike;
  let offset: number;
  let length: number;
  try {
    buffer = (dataView ? viewBuffer : typedBuffer).call(value) as ArrayBufferLike;
    offset = (dataView ? viewOffset : typedOffset).call(value) as number;
    length = (dataView ? viewLength : typedLength).call(value) as number;
  } catch {
    throw invalidArgValue(name, 'must be a view inside its ArrayBuffer (not detached, not shrunk away)', value);
  }
  if (length === 0 && isDetached(buffer)) {
    throw invalidArgValue(name, 'must not be backed by a detached ArrayBuffer', value);
  }
  bytesLength = length;
  return new Uint8Array(buffer, offset, length);
}

/**
 * Resolving a socket may run its getters (a caller's object, a Proxy): if one
 * detached or resized the buffer behind `view` (whose length was `n` before),
 * the call is refused.
 */
function refuseIfChanged(view: Uint8Array, n: number, name: string, given: unknown): void {
  if (typedLength.call(view) !== n) {
    throw invalidArgValue(
      name,
      'changed while the socket was being resolved (its buffer was detached or resized)',
      given,
    );
  }
}

/**
 * getsockopt into the first `n` bytes of `target` on an fd already resolved
 * (`n` read through the engine's accessor before the descriptor was known);
 * returns how many bytes the kernel wrote. The bytes past them are left as
 * they were, and so is all of `target` when the call fails.
 */
export function getIntoFd(fd: number, level: number, option: number, target: Uint8Array, n: number): number {
  if (n > AREA_SIZE) {
    const value = native.getBytes(fd, level, option, n);
    if (value === undefined) throw optionError(native.lastErrno(), 'getsockopt', fd, level, option);
    copyInto.call(target, value);
    return value.length;
  }
  const k = getAreaFd(fd, level, option, n);
  if (k <= 64) for (let i = 0; i < k; i++) target[i] = area[i];
  else copyInto.call(target, areaHead(k));
  return k;
}

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
  length?: number | OptionBytes,
): number | Buffer {
  validateInt32(level, 'level');
  validateInt32(option, 'option');
  if (length === undefined) return getIntFd(resolveFd(sock), level, option);
  if (typeof length === 'number') {
    validateInteger(length, 'length', 0, MAX_GET_LENGTH);
    return getBytesFd(resolveFd(sock), level, option, length);
  }
  const target = toBytes(length, 'target');
  if (target === undefined) {
    throw invalidArgType(
      'length',
      'of type number (a length), or a Buffer, TypedArray, DataView or ArrayBuffer to read into',
      length,
    );
  }
  const n = bytesLength;
  if (n > MAX_GET_LENGTH) throw outOfRange('target', `a view of at most ${MAX_GET_LENGTH} bytes`, n);
  const fd = resolveFd(sock);
  // Never write past a view the socket's getters shrank, or into one they detached.
  refuseIfChanged(target, n, 'target', length);
  return getIntoFd(fd, level, option, target, n);
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
  validateInt32(level, 'level');
  validateInt32(option, 'option');
  if (typeof value === 'number') {
    if ((value | 0) !== value) validateInteger(value, 'value', INT32_MIN, UINT32_MAX);
    setIntFd(resolveFd(sock), level, option, value | 0);
    return;
  }
  if (typeof value === 'boolean') {
    setIntFd(resolveFd(sock), level, option, value ? 1 : 0);
    return;
  }
  const bytes = toBytes(value, 'value');
  if (bytes === undefined) {
    throw invalidArgType('value', 'of type number or boolean, or a Buffer, TypedArray, DataView or ArrayBuffer', value);
  }
  const length = bytesLength;
  const fd = resolveFd(sock);
  // Never pass the kernel other bytes than were given.
  refuseIfChanged(bytes, length, 'value', value);
  setBytesFd(fd, level, option, bytes, length);
}
