// Raw getsockopt/setsockopt on the descriptor behind any socket-like value.
import { types } from 'node:util';
import { native } from './binding';
import { describeOption } from './constants';
import { invalidArgType, invalidArgValue, systemError } from './errors';
import { resolveFd, type SocketLike } from './resolve';
import { INT32_MIN, UINT32_MAX, validateInt32, validateInteger } from './validate';

/** Largest number of bytes a raw get may ask the kernel for. */
export const MAX_GET_LENGTH = 1 << 20;

/** Bytes accepted by setsockopt. */
export type OptionBytes = Buffer | ArrayBufferView | ArrayBuffer;

/** Throws the system error for a failed getsockopt/setsockopt. */
export function optionError(errno: number, syscall: string, fd: number, level: number, option: number): Error {
  return systemError(errno, syscall, fd, { level, option, label: describeOption(level, option) });
}

// The int calls go through the binding's frame: the arguments are stored in
// an Int32Array the native side reads directly, so neither side converts a
// value, and a call costs little more than the system call itself.
const frame = native.frame;
const FD = 0;
const LEVEL = 1;
const OPTION = 2;
const VALUE = 3;
const ERRNO = 4;

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

/** setsockopt of an int-valued option on an fd already resolved. */
export function setIntFd(fd: number, level: number, option: number, value: number): void {
  const err = setIntFdErrno(fd, level, option, value);
  if (err !== 0) throw optionError(err, 'setsockopt', fd, level, option);
}

/** getsockopt into `length` bytes; returns exactly the bytes the kernel wrote. */
export function getBytesFd(fd: number, level: number, option: number, length: number): Buffer {
  const value = native.getBytes(fd, level, option, length);
  if (value === undefined) throw optionError(native.lastErrno(), 'getsockopt', fd, level, option);
  return value;
}

export function setBytesFd(fd: number, level: number, option: number, bytes: Uint8Array): void {
  const err = native.setBytes(fd, level, option, bytes);
  if (err !== 0) throw optionError(err, 'setsockopt', fd, level, option);
}

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
const arrayBufferSlice = ArrayBuffer.prototype.slice;

function isDetached(buffer: ArrayBufferLike): boolean {
  if (types.isSharedArrayBuffer(buffer)) return false;
  if (arrayBufferDetached !== undefined) return arrayBufferDetached.call(buffer) as boolean;
  try {
    // Node 20 lacks ArrayBuffer#detached; slicing a detached buffer throws.
    arrayBufferSlice.call(buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/** A byte view over any Buffer/TypedArray/DataView/ArrayBuffer, without copying. */
export function toBytes(value: unknown, name: string): Uint8Array | undefined {
  // util.types checks work across realms (vm contexts, jest), instanceof does not.
  if (types.isUint8Array(value)) {
    // Passed as it is (no new object on the hot path).
    if (typedLength.call(value) === 0 && isDetached(typedBuffer.call(value) as ArrayBufferLike)) {
      throw invalidArgValue(name, 'must not be backed by a detached ArrayBuffer', value);
    }
    return value;
  }
  if (!ArrayBuffer.isView(value)) {
    if (!types.isAnyArrayBuffer(value)) return undefined;
    if (isDetached(value)) throw invalidArgValue(name, 'must not be a detached ArrayBuffer', value);
    return new Uint8Array(value);
  }
  // A DataView's accessors throw when it is detached or out of bounds.
  const dataView = types.isDataView(value);
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
  return new Uint8Array(buffer, offset, length);
}

/**
 * getsockopt(2) on the socket's descriptor.
 * Without `length`: an int-valued option, returned as a number.
 * With `length`: a Buffer of the bytes the kernel wrote (at most `length`).
 */
export function getsockopt(sock: SocketLike, level: number, option: number): number;
export function getsockopt(sock: SocketLike, level: number, option: number, length: number): Buffer;
export function getsockopt(sock: SocketLike, level: number, option: number, length?: number): number | Buffer {
  validateInt32(level, 'level');
  validateInt32(option, 'option');
  if (length === undefined) return getIntFd(resolveFd(sock), level, option);
  validateInteger(length, 'length', 0, MAX_GET_LENGTH);
  return getBytesFd(resolveFd(sock), level, option, length);
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
  const length = typedLength.call(bytes);
  const fd = resolveFd(sock);
  // Resolving `sock` may run its getters: if one detached or shrank the
  // buffer, refuse rather than pass the kernel other bytes than were given.
  if (typedLength.call(bytes) !== length) {
    throw invalidArgValue(
      'value',
      'changed while the socket was being resolved (its buffer was detached or resized)',
      value,
    );
  }
  setBytesFd(fd, level, option, bytes);
}
