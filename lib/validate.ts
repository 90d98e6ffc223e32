// Argument checks shared by every public function, with Node's error codes.
import { invalidArgType, isRevokedProxyError, outOfRange, revokedProxy, undefinedConstant } from './errors.js';

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;
export const UINT32_MAX = 4294967295;

// Every validator takes the argument's name and, for a property of an
// options object, its key: `name.key` is built only when a check fails, so a
// call that passes allocates no string.
function argName(name: string, key: string | undefined): string {
  return key === undefined ? name : `${name}.${key}`;
}

/** An integer in [min, max]; a TypeError for non-numbers, a RangeError otherwise. */
export function validateInteger(value: unknown, name: string, min: number, max: number, key?: string): number {
  if (typeof value !== 'number') throw invalidArgType(argName(name, key), 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(argName(name, key), `an integer >= ${min} and <= ${max}`, value);
  }
  return value;
}

/**
 * A number (fractions allowed) in [min, max], or in (min, max] when
 * `minExclusive`; a TypeError for non-numbers, a RangeError otherwise (NaN
 * included).
 */
export function validateNumber(value: unknown, name: string, min: number, max: number, minExclusive = false): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!((minExclusive ? value > min : value >= min) && value <= max)) {
    throw outOfRange(name, `${minExclusive ? '>' : '>='} ${min} and <= ${max}`, value);
  }
  return value;
}

/** A level or option number: any int32 (the kernel decides what it means). */
export function validateInt32(value: unknown, name: string): number {
  // Fast path: the common case costs two comparisons.
  if (typeof value === 'number' && (value | 0) === value) return value;
  if (value === undefined) throw undefinedConstant(name);
  return validateInteger(value, name, INT32_MIN, INT32_MAX);
}

/** A buffer size in bytes: 0 to INT_MAX. */
export function validateSize(value: unknown, name: string, key?: string): number {
  if (typeof value === 'number' && value >= 0 && (value | 0) === value) return value;
  return validateInteger(value, name, 0, INT32_MAX, key);
}

export function validateBoolean(value: unknown, name: string, key?: string): boolean {
  if (typeof value !== 'boolean') throw invalidArgType(argName(name, key), 'of type boolean', value);
  return value;
}

/**
 * An options object: throws unless `value` is a non-array object. Callers
 * handle undefined themselves (so that no empty object is made per call),
 * then read each property once (see readFailed).
 */
export function validateOptions<T extends object>(value: unknown, name: string): Partial<T> {
  if (value === null || typeof value !== 'object') throw invalidArgType(name, 'of type object', value);
  let isArray: boolean;
  try {
    isArray = Array.isArray(value);
  } catch (err) {
    throw isRevokedProxyError(err, value) ? revokedProxy(name, 'of type object') : err;
  }
  if (isArray) throw invalidArgType(name, 'of type object', value);
  return value as Partial<T>;
}

/**
 * The error to throw when reading an options property failed: a revoked
 * Proxy gets ERR_INVALID_ARG_TYPE; an error thrown by the caller's own getter
 * or trap propagates unchanged.
 *
 * Each option is read exactly once, by a plain property access at its call
 * site (`try { v = opts.force } catch (err) { throw readFailed(err, opts, name) }`):
 * a shared helper taking the key would make that one property access see
 * every options object of the package, and so be a megamorphic keyed load
 * on the hot path.
 */
export function readFailed(err: unknown, obj: object, name: string): unknown {
  return isRevokedProxyError(err, obj) ? revokedProxy(name, 'of type object') : err;
}
