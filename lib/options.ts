// Typed socket options by name, from the catalog in lib/catalog.ts: each
// option's level, value type, platform and dangers. The types, the run-time
// checks and the README's tables all come from that one table.
import { loadNative } from './binding.js';
import { constant } from './constants.js';
import { invalidArgType, invalidArgValue, outOfRange, unavailable, unsafeOption } from './errors.js';
import {
  getBytesFd,
  getIntFd,
  getLingerFd,
  getTimevalMsFd,
  setBytesFd,
  setIntFd,
  setLingerFd,
  setTimevalMsFd,
  byteLengthOf,
} from './raw.js';
import { optionCatalog, type Kind, type Spec, type Unsafe } from './catalog.js';
import { resolveFd, type SocketLike } from './resolve.js';
import { INT32_MAX, INT32_MIN, readFailed, validateBoolean, validateInteger, validateOptions } from './validate.js';

// This module loads on the first call that needs it; the binary loads with it.
const native = loadNative();

/** SO_LINGER: whether close() waits for unsent data, and for how long. */
export interface Linger {
  enabled: boolean;
  /** Seconds close() may block (l_linger). */
  seconds: number;
}

/** SO_PEERCRED: the process at the other end of a Unix domain socket, when it connected. */
export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

// optionCatalog is not re-exported here: a re-export compiles to an accessor
// redefined over a data property, which turns this module's exports into a
// dictionary, and every index call through them into an uncached lookup.

type Catalog = typeof optionCatalog;
interface KindValue {
  int: number;
  bool: boolean;
  linger: Linger;
  ms: number;
  string: string;
  ucred: PeerCredentials;
}

/** Every option name in the catalog. */
export type OptionName = keyof Catalog;
/** The value type of option `N`. */
export type OptionValue<N extends OptionName> = KindValue[Catalog[N]['kind']];
/** The options that can be set (all but SO_TYPE, SO_ERROR, SO_ACCEPTCONN, SO_PEERCRED, ...). */
export type WritableOptionName = {
  [N in OptionName]: Catalog[N] extends { readonly: true } ? never : N;
}[OptionName];
/** The options with values setOption refuses unless `{ unsafe: true }` is passed. */
export type UnsafeOptionName = {
  [N in OptionName]: Catalog[N] extends { unsafe: object } ? N : never;
}[OptionName];

/** setOption's fourth argument. */
export interface SetOptionOptions {
  /**
   * Set a value that silently breaks a Node socket (IP_RECVERR / IPV6_RECVERR
   * true, UDP_GRO true, SO_LINGER with a timeout, a nonzero SO_RCVTIMEO /
   * SO_SNDTIMEO); without it such values throw ERR_SOCKBUF_UNSAFE_OPTION.
   */
  unsafe?: boolean;
}

/** A catalog option and its value, checked and converted, ready to apply to any descriptor. */
export interface PreparedOption {
  readonly name: OptionName;
  readonly level: number;
  readonly option: number;
  /** The catalog kind, which says how `value` is applied. */
  readonly kind: Kind;
  /**
   * An int for int and boolean options, milliseconds for timeouts,
   * { enabled, seconds } for SO_LINGER, the string's bytes otherwise.
   */
  readonly value: PreparedValue;
}

const STRING_MAX = 64;

// Each catalog entry, resolved once into an Entry: one class, so every
// entry has the same shape and the hot path reads its fields without a
// polymorphic lookup (the catalog's literals have half a dozen shapes), and
// the kind and the unsafe rule are small integers instead of strings.
const K_INT = 0;
const K_BOOL = 1;
const K_MS = 2;
const K_LINGER = 3;
const K_STRING = 4;
const K_UCRED = 5;
const KIND_CODES: Record<Kind, number> = {
  int: K_INT,
  bool: K_BOOL,
  ms: K_MS,
  linger: K_LINGER,
  string: K_STRING,
  ucred: K_UCRED,
};
const UNSAFE_NEVER = 0;
const UNSAFE_TRUE = 1;
const UNSAFE_NONZERO = 2;
const UNSAFE_LINGER = 3;
const UNSAFE_ABOVE_ONE = 4;
const UNSAFE_CODES: Record<Unsafe['when'], number> = {
  true: UNSAFE_TRUE,
  nonzero: UNSAFE_NONZERO,
  linger: UNSAFE_LINGER,
  'above-one': UNSAFE_ABOVE_ONE,
};

/** A catalog entry with its numbers from the headers, built once. */
class Entry {
  readonly kindName: Kind;
  readonly kind: number;
  /** False where this platform's headers lack the level or the option. */
  readonly available: boolean;
  readonly level: number;
  readonly option: number;
  readonly readonly: boolean;
  /** UNSAFE_*: which values setOption refuses without { unsafe: true }. */
  readonly unsafeWhen: number;
  readonly danger: string;
  readonly emptyMeansNone: boolean;

  constructor(
    readonly name: OptionName,
    spec: Spec,
  ) {
    const level = constant(spec.level);
    const option = constant(name as Parameters<typeof constant>[0]) as number | undefined;
    this.kindName = spec.kind;
    this.kind = KIND_CODES[spec.kind];
    this.available = level !== undefined && option !== undefined;
    this.level = level ?? -1;
    this.option = option ?? -1;
    this.readonly = spec.readonly === true;
    this.unsafeWhen = spec.unsafe === undefined ? UNSAFE_NEVER : UNSAFE_CODES[spec.unsafe.when];
    this.danger = spec.unsafe?.danger ?? '';
    this.emptyMeansNone = spec.emptyMeansNone === true;
  }
}

const entries = new Map<string, Entry>();
for (const name of Object.keys(optionCatalog) as OptionName[]) {
  entries.set(name, new Entry(name, optionCatalog[name]));
}

// The last name looked up and its entry: a loop that reads or sets one
// option skips the map (comparing two equal literals is a pointer compare).
// Until the first lookup, lastName is a symbol of this module that no
// caller can pass (undefined would match an omitted name).
let lastName: string | symbol = Symbol('none');
let lastEntry: Entry = entries.values().next().value as Entry;

/** The entry for `name`, or the coded error; no user code runs (a name is a string). */
function entryFor(name: unknown, argName: string): Entry {
  if (name === lastName) return lastEntry;
  if (typeof name !== 'string') throw invalidArgType(argName, 'of type string', name);
  const entry = entries.get(name);
  if (entry === undefined) {
    throw invalidArgValue(argName, `must be one of the catalog's options (${[...entries.keys()].join(', ')})`, name);
  }
  if (!entry.available) throw unavailable(`Socket option ${name}`);
  lastName = name;
  lastEntry = entry;
  return entry;
}

/** Reads option `name` and converts it to its catalog type. */
export function getOption<N extends OptionName>(sock: SocketLike, name: N): OptionValue<N> {
  const entry = entryFor(name, 'name');
  const fd = resolveFd(sock);
  const kind = entry.kind;
  if (kind === K_INT) return getIntFd(fd, entry.level, entry.option) as OptionValue<N>;
  if (kind === K_BOOL) return (getIntFd(fd, entry.level, entry.option) !== 0) as OptionValue<N>;
  if (kind === K_MS) return getTimevalMsFd(fd, entry.level, entry.option) as OptionValue<N>;
  if (kind === K_LINGER) return getLingerFd(fd, entry.level, entry.option) as OptionValue<N>;
  return getOtherFd(fd, entry) as OptionValue<N>;
}

/** The options read as bytes: SO_PEERCRED and the strings. */
function getOtherFd(fd: number, entry: Entry): string | PeerCredentials {
  const { level, option } = entry;
  if (entry.kind === K_UCRED) {
    const l = native.layout.ucred;
    if (l === undefined) throw unavailable(`Socket option ${entry.name}`);
    const buf = getBytesFd(fd, level, option, l.size);
    const creds = {
      pid: buf.readInt32LE(l.pidOffset),
      uid: buf.readUInt32LE(l.uidOffset),
      gid: buf.readUInt32LE(l.gidOffset),
    };
    // A socket with no peer credentials (TCP, UDP, an unconnected Unix
    // socket) reads as pid 0 and uid/gid -1: not a process, so not a value.
    if (creds.pid === 0 && creds.uid === 0xffffffff && creds.gid === 0xffffffff) {
      throw invalidArgValue(
        'sock',
        'must be a connected Unix domain socket for SO_PEERCRED (the kernel has no peer credentials for this one)',
        fd,
      );
    }
    return creds;
  }
  const buf = getBytesFd(fd, level, option, STRING_MAX);
  const end = buf.indexOf(0);
  return buf.toString('latin1', 0, end === -1 ? buf.length : end);
}

function describeValue(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

/** An int for int and boolean options, milliseconds for timeouts, { enabled, seconds } for SO_LINGER, the bytes otherwise. */
type PreparedValue = number | Uint8Array | Linger;

// The checks below each take one kind's value, read each property of an
// object value once, and refuse an unsafe value unless `allowUnsafe`.
// prepareValue picks the one for the entry's kind; setOption applies its
// result at once (applyValue), connect keeps it for later (prepareOption).

/** An int option's value, checked. */
function checkInt(entry: Entry, value: unknown, argName: string, allowUnsafe: boolean): number {
  const n = validateInteger(value, argName, INT32_MIN, INT32_MAX);
  if (n > 1 && entry.unsafeWhen === UNSAFE_ABOVE_ONE && !allowUnsafe) {
    throw unsafeOption(entry.name, String(n), entry.danger);
  }
  return n;
}

/** A boolean option's value, checked, as 1 or 0. */
function checkBool(entry: Entry, value: unknown, argName: string, allowUnsafe: boolean): number {
  if (value === false) return 0;
  if (value !== true) throw invalidArgType(argName, 'of type boolean', value);
  if (entry.unsafeWhen === UNSAFE_TRUE && !allowUnsafe) throw unsafeOption(entry.name, 'true', entry.danger);
  return 1;
}

/** A timeout in milliseconds, checked. */
function checkMs(entry: Entry, value: unknown, argName: string, allowUnsafe: boolean): number {
  if (typeof value !== 'number') throw invalidArgType(argName, 'of type number', value);
  if (!(value >= 0 && value <= MS_MAX)) {
    throw outOfRange(argName, `a number of milliseconds >= 0 and <= ${MS_MAX}`, value);
  }
  if (value > 0 && entry.unsafeWhen === UNSAFE_NONZERO && !allowUnsafe) {
    throw unsafeOption(entry.name, String(value), entry.danger);
  }
  return value;
}

const MS_MAX = INT32_MAX * 1000;

/** An { enabled, seconds } value, each property read once and checked, as a new object of sockbuf's own. */
function checkLinger(entry: Entry, value: unknown, argName: string, allowUnsafe: boolean): Linger {
  if (value === null || typeof value !== 'object') {
    throw invalidArgType(argName, 'an object { enabled, seconds }', value);
  }
  const obj = validateOptions<Linger>(value, argName);
  let enabled: unknown;
  let seconds: unknown;
  try {
    enabled = obj.enabled;
    seconds = obj.seconds;
  } catch (err) {
    throw readFailed(err, obj, argName);
  }
  validateBoolean(enabled, argName, 'enabled');
  validateInteger(seconds, argName, 0, INT32_MAX, 'seconds');
  if (enabled && (seconds as number) > 0 && entry.unsafeWhen === UNSAFE_LINGER && !allowUnsafe) {
    throw unsafeOption(entry.name, describeValue({ enabled, seconds }), entry.danger);
  }
  return { enabled: enabled as boolean, seconds: seconds as number };
}

/** A string option's value, checked, as its bytes. */
function checkString(entry: Entry, value: unknown, argName: string): Uint8Array {
  if (typeof value !== 'string') throw invalidArgType(argName, 'of type string', value);
  const min = entry.emptyMeansNone ? 0 : 1;
  if (value.length < min || value.length >= STRING_MAX || value.includes('\0')) {
    throw invalidArgValue(
      argName,
      `must be a ${min === 0 ? '' : 'non-empty '}string of fewer than ${STRING_MAX} characters without NUL`,
      value,
    );
  }
  // '' goes to the kernel as one NUL byte (an empty name): the same to
  // Linux as no bytes, and never a null pointer (qemu-user refuses that).
  return value.length === 0 ? Buffer.alloc(1) : Buffer.from(value, 'latin1');
}

/** Checks `value` against the entry's kind and converts it (see PreparedValue). */
function prepareValue(entry: Entry, value: unknown, argName: string, allowUnsafe: boolean): PreparedValue {
  switch (entry.kind) {
    case K_INT:
      return checkInt(entry, value, argName, allowUnsafe);
    case K_BOOL:
      return checkBool(entry, value, argName, allowUnsafe);
    case K_MS:
      return checkMs(entry, value, argName, allowUnsafe);
    case K_LINGER:
      return checkLinger(entry, value, argName, allowUnsafe);
    case K_STRING:
      return checkString(entry, value, argName);
    default:
      // Read-only (SO_PEERCRED): entryForSet refused it already.
      throw invalidArgValue('name', 'is read-only', entry.name);
  }
}

function entryForSet(name: unknown, argName: string): Entry {
  const entry = entryFor(name, argName);
  if (entry.readonly) throw invalidArgValue(argName, 'is read-only', name);
  return entry;
}

/** `{ unsafe? }`, read once; undefined makes no object. */
function readUnsafe(options: unknown, name: string): boolean {
  if (options === undefined) return false;
  const opts = validateOptions<SetOptionOptions>(options, name);
  let unsafe: unknown;
  try {
    unsafe = opts.unsafe;
  } catch (err) {
    throw readFailed(err, opts, name);
  }
  return unsafe === undefined ? false : validateBoolean(unsafe, name, 'unsafe');
}

/**
 * Validates a catalog option and its value without any system call (each
 * property of an object value is read exactly once). `argName` names the
 * value (and, unless it is 'value', the name) in errors. Throws
 * ERR_SOCKBUF_UNSAFE_OPTION for a value that would silently break a Node
 * socket, unless `allowUnsafe` is true.
 */
export function prepareOption(name: unknown, value: unknown, argName: string, allowUnsafe?: boolean): PreparedOption {
  const entry = entryForSet(name, argName === 'value' ? 'name' : argName);
  const allow = allowUnsafe === undefined ? false : validateBoolean(allowUnsafe, 'allowUnsafe');
  const prepared = prepareValue(entry, value, argName, allow);
  return { name: entry.name, level: entry.level, option: entry.option, kind: entry.kindName, value: prepared };
}

/**
 * The system call for a value prepareValue checked, on an fd already
 * resolved. Runs no caller code: the value is a number, or an object or a
 * Buffer sockbuf made (its length read through the engine's accessor).
 */
function applyValue(fd: number, entry: Entry, value: PreparedValue): void {
  const { kind, level, option } = entry;
  if (kind === K_INT || kind === K_BOOL) setIntFd(fd, level, option, value as number);
  else if (kind === K_MS) setTimevalMsFd(fd, level, option, value as number);
  else if (kind === K_LINGER) {
    const linger = value as Linger;
    setLingerFd(fd, level, option, linger.enabled, linger.seconds);
  } else {
    const bytes = value as Uint8Array;
    setBytesFd(fd, level, option, bytes, byteLengthOf(bytes));
  }
}

/** Applies a prepared option to an fd already resolved; throws the system error. */
export function applyPreparedOption(fd: number, prepared: PreparedOption): void {
  applyValue(fd, entries.get(prepared.name)!, prepared.value);
}

/**
 * Sets option `name` from a value of its catalog type. Values that would
 * silently break a Node socket (see UnsafeOptionName) need `{ unsafe: true }`.
 */
export function setOption<N extends WritableOptionName>(
  sock: SocketLike,
  name: N,
  value: OptionValue<N>,
  options?: SetOptionOptions,
): void {
  const entry = entryForSet(name, 'name');
  const allowUnsafe = readUnsafe(options, 'options');
  // Every argument is checked before the socket is resolved (resolving may
  // run its getters); nothing of the caller's runs after it.
  const prepared = prepareValue(entry, value, 'value', allowUnsafe);
  applyValue(resolveFd(sock), entry, prepared);
}
