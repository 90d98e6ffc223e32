// Typed socket options by name: a catalog of the common options, each with
// its level and value type, checked by TypeScript and again at run time.
import { native } from './binding';
import { constants } from './constants';
import { invalidArgType, invalidArgValue, outOfRange, unavailable } from './errors';
import { getBytesFd, getIntFd, setBytesFd, setIntFd } from './raw';
import { resolveFd, type SocketLike } from './resolve';
import { INT32_MAX, INT32_MIN, validateInteger } from './validate';

/** SO_LINGER: whether close() waits for unsent data, and for how long. */
export interface Linger {
  enabled: boolean;
  /** Seconds close() may block (l_linger). */
  seconds: number;
}

type Kind = 'int' | 'bool' | 'linger' | 'ms' | 'string';
type Level = 'SOL_SOCKET' | 'IPPROTO_TCP' | 'IPPROTO_UDP' | 'IPPROTO_IP' | 'IPPROTO_IPV6';
interface Spec {
  readonly level: Level;
  readonly kind: Kind;
  readonly readonly?: true;
}

/**
 * The catalog. Units: sizes in bytes, TCP_KEEPIDLE/TCP_KEEPINTVL in seconds,
 * TCP_USER_TIMEOUT in milliseconds, SO_RCVTIMEO/SO_SNDTIMEO in milliseconds
 * (converted to and from struct timeval), SO_LINGER as { enabled, seconds }.
 */
export const optionCatalog = {
  SO_RCVBUF: { level: 'SOL_SOCKET', kind: 'int' },
  SO_SNDBUF: { level: 'SOL_SOCKET', kind: 'int' },
  SO_RCVLOWAT: { level: 'SOL_SOCKET', kind: 'int' },
  SO_SNDLOWAT: { level: 'SOL_SOCKET', kind: 'int' },
  SO_RCVTIMEO: { level: 'SOL_SOCKET', kind: 'ms' },
  SO_SNDTIMEO: { level: 'SOL_SOCKET', kind: 'ms' },
  SO_KEEPALIVE: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_REUSEADDR: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_REUSEPORT: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_BROADCAST: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_DONTROUTE: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_OOBINLINE: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_LINGER: { level: 'SOL_SOCKET', kind: 'linger' },
  SO_PRIORITY: { level: 'SOL_SOCKET', kind: 'int' },
  SO_MARK: { level: 'SOL_SOCKET', kind: 'int' },
  SO_BUSY_POLL: { level: 'SOL_SOCKET', kind: 'int' },
  SO_INCOMING_CPU: { level: 'SOL_SOCKET', kind: 'int' },
  SO_BINDTODEVICE: { level: 'SOL_SOCKET', kind: 'string' },
  SO_NOSIGPIPE: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_TYPE: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  SO_ERROR: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  SO_ACCEPTCONN: { level: 'SOL_SOCKET', kind: 'bool', readonly: true },
  SO_DOMAIN: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  SO_PROTOCOL: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  TCP_NODELAY: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_MAXSEG: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_CORK: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_NOPUSH: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_KEEPIDLE: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_KEEPALIVE: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_KEEPINTVL: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_KEEPCNT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_SYNCNT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_LINGER2: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_DEFER_ACCEPT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_WINDOW_CLAMP: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_QUICKACK: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_USER_TIMEOUT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_NOTSENT_LOWAT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_FASTOPEN: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_FASTOPEN_CONNECT: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_THIN_LINEAR_TIMEOUTS: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_CONGESTION: { level: 'IPPROTO_TCP', kind: 'string' },
  TCP_INQ: { level: 'IPPROTO_TCP', kind: 'bool' },
  UDP_CORK: { level: 'IPPROTO_UDP', kind: 'bool' },
  UDP_SEGMENT: { level: 'IPPROTO_UDP', kind: 'int' },
  UDP_GRO: { level: 'IPPROTO_UDP', kind: 'bool' },
  IP_TOS: { level: 'IPPROTO_IP', kind: 'int' },
  IP_TTL: { level: 'IPPROTO_IP', kind: 'int' },
  IP_MTU_DISCOVER: { level: 'IPPROTO_IP', kind: 'int' },
  IP_MTU: { level: 'IPPROTO_IP', kind: 'int', readonly: true },
  IP_RECVERR: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_FREEBIND: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_TRANSPARENT: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_BIND_ADDRESS_NO_PORT: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_MULTICAST_TTL: { level: 'IPPROTO_IP', kind: 'int' },
  IP_MULTICAST_LOOP: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_DONTFRAG: { level: 'IPPROTO_IP', kind: 'bool' },
  IPV6_V6ONLY: { level: 'IPPROTO_IPV6', kind: 'bool' },
  IPV6_UNICAST_HOPS: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_MULTICAST_HOPS: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_MULTICAST_LOOP: { level: 'IPPROTO_IPV6', kind: 'bool' },
  IPV6_TCLASS: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_RECVERR: { level: 'IPPROTO_IPV6', kind: 'bool' },
  IPV6_MTU_DISCOVER: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_DONTFRAG: { level: 'IPPROTO_IPV6', kind: 'bool' },
} as const satisfies Record<string, Spec>;

type Catalog = typeof optionCatalog;
interface KindValue {
  int: number;
  bool: boolean;
  linger: Linger;
  ms: number;
  string: string;
}

/** Every option name in the catalog. */
export type OptionName = keyof Catalog;
/** The value type of option `N`. */
export type OptionValue<N extends OptionName> = KindValue[Catalog[N]['kind']];
/** The options that can be set (all but SO_TYPE, SO_ERROR, SO_ACCEPTCONN, ...). */
export type WritableOptionName = {
  [N in OptionName]: Catalog[N] extends { readonly: true } ? never : N;
}[OptionName];

const STRING_MAX = 64;

function specFor(name: unknown): { spec: Spec; level: number; option: number } {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  if (!Object.prototype.hasOwnProperty.call(optionCatalog, name)) {
    throw invalidArgValue(
      'name',
      `must be one of the catalog's options (${Object.keys(optionCatalog).join(', ')})`,
      name,
    );
  }
  const spec: Spec = optionCatalog[name as OptionName];
  const level = constants[spec.level];
  const option = constants[name];
  if (level === undefined || option === undefined) throw unavailable(`Socket option ${name}`);
  return { spec, level, option };
}

function readTimeval(buf: Buffer): number {
  const l = native.layout.timeval;
  const sec = l.secSize === 8 ? Number(buf.readBigInt64LE(l.secOffset)) : buf.readInt32LE(l.secOffset);
  const usec = l.usecSize === 8 ? Number(buf.readBigInt64LE(l.usecOffset)) : buf.readInt32LE(l.usecOffset);
  return sec * 1000 + Math.round(usec / 1000);
}

function writeTimeval(ms: number): Buffer {
  const l = native.layout.timeval;
  const buf = Buffer.alloc(l.size);
  // Round to whole microseconds first, then split: rounding the microseconds
  // on their own can give 1000000, which the kernel refuses with EDOM. A
  // positive value never becomes 0, which the kernel reads as "no timeout".
  let micros = Math.round(ms * 1000);
  if (micros === 0 && ms > 0) micros = 1;
  const sec = Math.floor(micros / 1e6);
  const usec = micros - sec * 1e6;
  if (l.secSize === 8) buf.writeBigInt64LE(BigInt(sec), l.secOffset);
  else buf.writeInt32LE(sec, l.secOffset);
  if (l.usecSize === 8) buf.writeBigInt64LE(BigInt(usec), l.usecOffset);
  else buf.writeInt32LE(usec, l.usecOffset);
  return buf;
}

/** Reads option `name` and converts it to its catalog type. */
export function getOption<N extends OptionName>(sock: SocketLike, name: N): OptionValue<N> {
  const fd = resolveFd(sock);
  const { spec, level, option } = specFor(name);
  let value: number | boolean | Linger | string;
  switch (spec.kind) {
    case 'int':
      value = getIntFd(fd, level, option);
      break;
    case 'bool':
      value = getIntFd(fd, level, option) !== 0;
      break;
    case 'ms':
      value = readTimeval(getBytesFd(fd, level, option, native.layout.timeval.size));
      break;
    case 'linger': {
      const l = native.layout.linger;
      const buf = getBytesFd(fd, level, option, l.size);
      value = { enabled: buf.readInt32LE(l.onoffOffset) !== 0, seconds: buf.readInt32LE(l.lingerOffset) };
      break;
    }
    case 'string': {
      const buf = getBytesFd(fd, level, option, STRING_MAX);
      const end = buf.indexOf(0);
      value = buf.toString('latin1', 0, end === -1 ? buf.length : end);
      break;
    }
  }
  return value as OptionValue<N>;
}

function checkLinger(value: unknown): Linger {
  if (value === null || typeof value !== 'object')
    throw invalidArgType('value', 'an object { enabled, seconds }', value);
  const { enabled, seconds } = value as Partial<Linger>;
  if (typeof enabled !== 'boolean') throw invalidArgType('value.enabled', 'of type boolean', enabled);
  validateInteger(seconds, 'value.seconds', 0, INT32_MAX);
  return { enabled, seconds: seconds as number };
}

/** Sets option `name` from a value of its catalog type. */
export function setOption<N extends WritableOptionName>(sock: SocketLike, name: N, value: OptionValue<N>): void {
  const fd = resolveFd(sock);
  const { spec, level, option } = specFor(name);
  if (spec.readonly) throw invalidArgValue('name', 'is read-only', name);
  const v: unknown = value;
  switch (spec.kind) {
    case 'int':
      setIntFd(fd, level, option, validateInteger(v, 'value', INT32_MIN, INT32_MAX));
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw invalidArgType('value', 'of type boolean', v);
      setIntFd(fd, level, option, v ? 1 : 0);
      return;
    case 'ms': {
      if (typeof v !== 'number') throw invalidArgType('value', 'of type number', v);
      if (!Number.isFinite(v) || v < 0 || v > INT32_MAX * 1000) {
        throw outOfRange('value', `a number of milliseconds >= 0 and <= ${INT32_MAX * 1000}`, v);
      }
      setBytesFd(fd, level, option, writeTimeval(v));
      return;
    }
    case 'linger': {
      const { enabled, seconds } = checkLinger(v);
      const l = native.layout.linger;
      const buf = Buffer.alloc(l.size);
      buf.writeInt32LE(enabled ? 1 : 0, l.onoffOffset);
      buf.writeInt32LE(seconds, l.lingerOffset);
      setBytesFd(fd, level, option, buf);
      return;
    }
    case 'string': {
      if (typeof v !== 'string') throw invalidArgType('value', 'of type string', v);
      if (v.length === 0 || v.length >= STRING_MAX || v.includes('\0')) {
        throw invalidArgValue(
          'value',
          `must be a non-empty string of fewer than ${STRING_MAX} characters without NUL`,
          v,
        );
      }
      setBytesFd(fd, level, option, Buffer.from(v, 'latin1'));
      return;
    }
  }
}

/** An option and value checked against the catalog, ready for setsockopt. */
export interface PreparedOption {
  readonly name: WritableOptionName;
  readonly level: number;
  readonly option: number;
  /** The int value (int and bool kinds), or undefined when `bytes` holds it. */
  readonly int?: number;
  /** The raw bytes (ms, linger and string kinds). */
  readonly bytes?: Buffer;
}

// Values that would silently break a Node socket: refused unless allowUnsafe.
const UNSAFE: ReadonlySet<string> = new Set(['IP_RECVERR', 'IPV6_RECVERR', 'UDP_GRO', 'SO_RCVTIMEO', 'SO_SNDTIMEO']);

/** Validates a catalog option and its value without any system call. */
export function prepareOption(name: unknown, value: unknown, argName: string, allowUnsafe = false): PreparedOption {
  if (typeof name !== 'string') throw invalidArgType(argName, 'named by a string', name);
  if (!Object.prototype.hasOwnProperty.call(optionCatalog, name)) {
    throw invalidArgValue(argName, "is not an option of the catalog (see sockbuf's optionCatalog)", name);
  }
  const { spec, level, option } = specFor(name);
  if (spec.readonly) throw invalidArgValue(argName, 'is read-only', name);
  if (!allowUnsafe && UNSAFE.has(name)) {
    throw invalidArgValue(argName, 'would break a Node socket and is refused here', name);
  }
  const base = { name: name as WritableOptionName, level, option };
  switch (spec.kind) {
    case 'int':
      return { ...base, int: validateInteger(value, argName, INT32_MIN, INT32_MAX) };
    case 'bool':
      if (typeof value !== 'boolean') throw invalidArgType(argName, 'of type boolean', value);
      return { ...base, int: value ? 1 : 0 };
    case 'ms':
      if (typeof value !== 'number') throw invalidArgType(argName, 'of type number', value);
      if (!Number.isFinite(value) || value < 0 || value > INT32_MAX * 1000) {
        throw outOfRange(argName, `a number of milliseconds >= 0 and <= ${INT32_MAX * 1000}`, value);
      }
      return { ...base, bytes: writeTimeval(value) };
    case 'linger': {
      const { enabled, seconds } = checkLinger(value);
      if (!allowUnsafe && enabled && seconds > 0) {
        throw invalidArgValue(argName, 'with a timeout makes close() block the event loop and is refused here', value);
      }
      const l = native.layout.linger;
      const buf = Buffer.alloc(l.size);
      buf.writeInt32LE(enabled ? 1 : 0, l.onoffOffset);
      buf.writeInt32LE(seconds, l.lingerOffset);
      return { ...base, bytes: buf };
    }
    case 'string':
      if (typeof value !== 'string') throw invalidArgType(argName, 'of type string', value);
      if (value.length === 0 || value.length >= STRING_MAX || value.includes('\0')) {
        throw invalidArgValue(
          argName,
          `must be a non-empty string of fewer than ${STRING_MAX} characters without NUL`,
          value,
        );
      }
      return { ...base, bytes: Buffer.from(value, 'latin1') };
  }
}

/** Applies a prepared option to an fd already resolved; throws the system error. */
export function applyPreparedOption(fd: number, prepared: PreparedOption): void {
  if (prepared.bytes !== undefined) setBytesFd(fd, prepared.level, prepared.option, prepared.bytes);
  else setIntFd(fd, prepared.level, prepared.option, prepared.int as number);
}
