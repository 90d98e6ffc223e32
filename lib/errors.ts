// The one place where sockbuf builds its errors. They follow Node's own
// shapes, so callers switch on `err.code` exactly as they do for core APIs.
import { getSystemErrorMap, getSystemErrorName, inspect, types } from 'node:util';
// The codes are lib/codes.ts's (the index hands them out; every module
// imports them from there).
import { ErrorCodes } from './codes.js';

/** errno number -> name, for the errnos libuv has no name for (EDOM, ...). */
let errnoNames: Map<number, string> | undefined;

/** A failed system call, shaped like the errors of Node's fs and net. */
export interface SystemError extends Error {
  code: string;
  /** Negative, as in Node: `util.getSystemErrorName(err.errno) === err.code`. */
  errno: number;
  syscall: string;
  fd: number;
  level?: number;
  option?: number;
}

/** An error with a string code (every error sockbuf throws has one). */
export interface CodedError extends Error {
  code: string;
}

function withCode<E extends Error>(err: E, code: string, props?: object): E & { code: string } {
  const coded = Object.assign(err, { code }, props);
  // Node prints its own errors as `TypeError [ERR_X]: message`; do the same.
  Object.defineProperty(coded, 'name', {
    value: `${err.name} [${code}]`,
    configurable: true,
    writable: true,
    enumerable: false,
  });
  // The stack printed the name when the error was made; keep the message in
  // place but drop the code from `name` so `err.name` stays 'TypeError'.
  void coded.stack;
  Object.defineProperty(coded, 'name', {
    value: err.constructor.name,
    configurable: true,
    writable: true,
    enumerable: false,
  });
  return coded;
}

/** util.getSystemErrorMap() builds a new Map on every call: build it once. */
let systemErrorMap: Map<number, [string, string]> | undefined;

export function systemError(
  errno: number,
  syscall: string,
  fd: number,
  context?: { level?: number; option?: number; label?: string },
): SystemError {
  const neg = errno > 0 ? -errno : errno;
  let code: string;
  let text: string;
  try {
    code = getSystemErrorName(neg);
    systemErrorMap ??= getSystemErrorMap();
    text = systemErrorMap.get(neg)?.[1] ?? code;
    if (!/^E[A-Z0-9]+$/.test(code)) {
      // libuv names no such errno: getSystemErrorName answers "Unknown system error -33".
      // node:os is loaded here, on this rare path, not when sockbuf is required.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { constants: osConstants } = require('node:os') as typeof import('node:os');
      errnoNames ??= new Map(Object.entries(osConstants.errno).map(([name, n]) => [n, name]));
      code = errnoNames.get(-neg) ?? `E${-neg}`;
      text = code;
    }
  } catch {
    code = `E${Math.abs(neg)}`;
    text = 'unknown error';
  }
  const where = context?.label ? `, ${context.label}` : '';
  const err = new Error(`${syscall} ${code}: ${text} (fd ${fd}${where})`);
  const props: Record<string, unknown> = { errno: neg, syscall, fd };
  if (context?.level !== undefined) props.level = context.level;
  if (context?.option !== undefined) props.option = context.option;
  return withCode(err, code, props) as SystemError;
}

/** Describes a received value the way Node's validators do. */
function describeReceived(value: unknown): string {
  if (value === null) return 'Received null';
  if (value === undefined) return 'Received undefined';
  // A Proxy's traps are the caller's code: describe it without running them.
  if (types.isProxy(value)) return `Received ${show(value)}`;
  if (typeof value === 'function') {
    return `Received function ${value.name || '<anonymous>'}`;
  }
  if (typeof value === 'object') {
    let ctor: unknown;
    try {
      ctor = (value as object).constructor;
    } catch {
      // A `constructor` getter that throws: describe the value instead.
    }
    const ctorName = typeof ctor === 'function' ? (ctor as { name?: unknown }).name : undefined;
    if (typeof ctorName === 'string' && ctorName !== '') {
      return `Received an instance of ${ctorName}`;
    }
    return `Received ${show(value)}`;
  }
  let shown = show(value);
  if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
  return `Received type ${typeof value} (${shown})`;
}

export function invalidArgType(name: string, expected: string, actual: unknown): CodedError {
  return withCode(
    new TypeError(`The "${name}" argument must be ${expected}. ${describeReceived(actual)}`),
    'ERR_INVALID_ARG_TYPE',
  );
}

/** inspect() that never throws (a detached DataView makes it throw); a Proxy is shown, its traps not run. */
function show(value: unknown): string {
  try {
    return inspect(value, { depth: 0, breakLength: Infinity, showProxy: true });
  } catch {
    return typeof value === 'object' && value !== null ? '[object]' : typeof value;
  }
}

export function invalidArgValue(name: string, reason: string, actual: unknown): CodedError {
  let shown = show(actual);
  if (shown.length > 64) shown = `${shown.slice(0, 61)}...`;
  return withCode(new TypeError(`The argument '${name}' ${reason}. Received ${shown}`), 'ERR_INVALID_ARG_VALUE');
}

export function outOfRange(name: string, range: string, actual: unknown): CodedError {
  let shown = typeof actual === 'bigint' ? `${String(actual)}n` : show(actual);
  if (shown.length > 64) shown = `${shown.slice(0, 61)}...`;
  return withCode(
    new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${shown}`),
    'ERR_OUT_OF_RANGE',
  );
}

export function noFd(what: string, advice: string): CodedError {
  return withCode(new Error(`${what} has no file descriptor yet: ${advice}`), ErrorCodes.NO_FD);
}

export function closed(what: string): CodedError {
  return withCode(
    new Error(
      `${what} is closed or destroyed: its file descriptor is gone (and its number may belong to another socket by now)`,
    ),
    ErrorCodes.CLOSED,
  );
}

/**
 * True when `err` is the engine's own TypeError for touching a revoked Proxy
 * (`value`, or with `nested` anything reached through it): callers turn it
 * into ERR_INVALID_ARG_TYPE. Any other error,
 * a caller's own getter error included, is left to propagate unchanged.
 */
export function isRevokedProxyError(err: unknown, value: unknown, nested = false): boolean {
  return (
    (nested || types.isProxy(value)) &&
    // From any realm: the engine throws in the realm of the function that touched the proxy.
    types.isNativeError(err) &&
    err.name === 'TypeError' &&
    (err as { code?: unknown }).code === undefined &&
    // V8: "... on a proxy that has been revoked"; JavaScriptCore (Bun):
    // "Proxy has already been revoked ..." or "... on a Proxy that has been revoked".
    /proxy that has been revoked|proxy has already been revoked/i.test(err.message)
  );
}

/** ERR_INVALID_ARG_TYPE for a revoked Proxy, which no property can be read from. */
export function revokedProxy(name: string, expected: string): CodedError {
  return withCode(
    new TypeError(`The "${name}" argument must be ${expected}. Received a revoked Proxy`),
    'ERR_INVALID_ARG_TYPE',
  );
}

/** A level or option that is undefined: almost always a constant that does not exist. */
export function undefinedConstant(name: string): CodedError {
  return withCode(
    new TypeError(
      `The "${name}" argument must be of type number. Received undefined: the constant passed is probably misspelled, or not defined on ${process.platform} (constants lists only what this platform's headers define)`,
    ),
    'ERR_INVALID_ARG_TYPE',
  );
}

/** setOption refused a value that would silently break a Node socket. */
export function unsafeOption(name: string, value: string, danger: string): CodedError {
  return withCode(
    new Error(
      `Refusing to set ${name} to ${value}: ${danger}. Pass { unsafe: true } as setOption's fourth argument to set it anyway.`,
    ),
    ErrorCodes.UNSAFE_OPTION,
  );
}

export function unavailable(what: string): CodedError {
  return withCode(new Error(`${what} is not available on ${process.platform}`), ErrorCodes.UNAVAILABLE);
}

export function coded(message: string, code: string, cause?: unknown): CodedError {
  const err = cause === undefined ? new Error(message) : new Error(message, { cause });
  return withCode(err, code);
}
