// Typed socket options by name: a catalog of the common options, each with
// its level and value type, checked by TypeScript and again at run time.
import { constants } from './constants';
import { invalidArgType, invalidArgValue, outOfRange, unavailable } from './errors';
import {
  getBytesFd,
  getIntFd,
  getLingerFd,
  getTimevalMsFd,
  setBytesFd,
  setIntFd,
  setLingerFd,
  setTimevalMsFd,
} from './raw';
import { resolveCatalog } from './lookup';
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

const RESOLVED = resolveCatalog<Spec>(optionCatalog, constants);

function specFor(name: unknown): { spec: Spec; level: number; option: number } {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  const resolved = RESOLVED.get(name);
  if (resolved === undefined) {
    throw invalidArgValue(
      'name',
      `must be one of the catalog's options (${Object.keys(optionCatalog).join(', ')})`,
      name,
    );
  }
  if (resolved.level === undefined || resolved.option === undefined) throw unavailable(`Socket option ${name}`);
  return resolved as { spec: Spec; level: number; option: number };
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
      value = getTimevalMsFd(fd, level, option);
      break;
    case 'linger': {
      const linger = { enabled: false, seconds: 0 };
      getLingerFd(fd, level, option, linger);
      value = linger;
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
      setTimevalMsFd(fd, level, option, v);
      return;
    }
    case 'linger': {
      const { enabled, seconds } = checkLinger(v);
      setLingerFd(fd, level, option, enabled, seconds);
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
