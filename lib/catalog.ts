// The option catalog: every option getOption/setOption know by name, with
// its level, value type, platform and dangers. The types, the run-time
// checks (lib/options.ts) and the README's tables all come from this one
// table. It is data only, with no imports: Node's ESM loader reads every
// named export of sockbuf at an `import`, `optionCatalog` among them, and
// this file is all that read loads.

/** How a catalog option's value is converted. */
export type Kind = 'int' | 'bool' | 'linger' | 'ms' | 'string' | 'ucred';
/** The level of a catalog option, by its constant's name. */
export type Level = 'SOL_SOCKET' | 'IPPROTO_TCP' | 'IPPROTO_UDP' | 'IPPROTO_IP' | 'IPPROTO_IPV6';

/**
 * A value that silently breaks a Node socket: `when` says which values
 * ('true' for a boolean, 'nonzero' for a timeout, 'linger' for SO_LINGER
 * with enabled and seconds > 0, 'above-one' for a count past 1), `danger`
 * what would happen.
 */
export interface Unsafe {
  readonly when: 'true' | 'nonzero' | 'linger' | 'above-one';
  readonly danger: string;
}

export interface Spec {
  readonly level: Level;
  readonly kind: Kind;
  readonly readonly?: true;
  /** The only platform that has the option (absent: Linux, and macOS where its headers define it). */
  readonly os?: 'darwin' | 'linux';
  /** The unit of a number. */
  readonly unit?: 's' | 'ms';
  /** setOption refuses these values unless the caller passes { unsafe: true }. */
  readonly unsafe?: Unsafe;
  /** A string option for which '' means "none" (SO_BINDTODEVICE: unbind). */
  readonly emptyMeansNone?: true;
}

const RECVERR: Unsafe = {
  when: 'true',
  danger:
    "Node never reads the socket's error queue: on a UDP socket every ICMP error is queued and charged to the receive buffer until later datagrams are dropped, with no 'error' event (Node 24 and later abort the whole process instead, a failed assertion in UDPWrap::OnRecv); on a TCP socket the first transient ICMP error ends the connection instead of being retried",
};

/**
 * The catalog. Units: sizes in bytes, TCP_KEEPIDLE/TCP_KEEPINTVL in seconds,
 * TCP_USER_TIMEOUT in milliseconds, SO_RCVTIMEO/SO_SNDTIMEO in milliseconds
 * (converted to and from struct timeval), SO_LINGER as { enabled, seconds },
 * SO_PEERCRED as { pid, uid, gid }.
 */
export const optionCatalog = {
  SO_RCVBUF: { level: 'SOL_SOCKET', kind: 'int' },
  SO_SNDBUF: { level: 'SOL_SOCKET', kind: 'int' },
  SO_RCVLOWAT: {
    level: 'SOL_SOCKET',
    kind: 'int',
    unsafe: {
      when: 'above-one',
      danger:
        "the kernel would report the socket readable only once that many bytes are queued, so a peer's smaller message (a request, a reply) would sit unread, with no 'data' event, until more arrives or the peer closes",
    },
  },
  SO_SNDLOWAT: { level: 'SOL_SOCKET', kind: 'int' },
  SO_RCVTIMEO: {
    level: 'SOL_SOCKET',
    kind: 'ms',
    unsafe: {
      when: 'nonzero',
      danger:
        "Node's sockets are non-blocking, so the kernel never applies a receive timeout: it would have no effect (use socket.setTimeout() for an idle timeout)",
    },
  },
  SO_SNDTIMEO: {
    level: 'SOL_SOCKET',
    kind: 'ms',
    unsafe: {
      when: 'nonzero',
      danger:
        "Node's sockets are non-blocking, so the kernel never applies a send timeout: it would have no effect (use socket.setTimeout() for an idle timeout)",
    },
  },
  SO_KEEPALIVE: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_REUSEADDR: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_REUSEPORT: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_BROADCAST: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_DONTROUTE: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_OOBINLINE: { level: 'SOL_SOCKET', kind: 'bool' },
  SO_LINGER: {
    level: 'SOL_SOCKET',
    kind: 'linger',
    unsafe: {
      when: 'linger',
      danger:
        'closing the socket (socket.destroy(), or the close after end()) would block the whole event loop for up to that many seconds while unsent data drains; { enabled: true, seconds: 0 } (reset the connection on close) is allowed',
    },
  },
  SO_PRIORITY: { level: 'SOL_SOCKET', kind: 'int' },
  SO_MARK: { level: 'SOL_SOCKET', kind: 'int' },
  SO_BUSY_POLL: { level: 'SOL_SOCKET', kind: 'int' },
  SO_INCOMING_CPU: { level: 'SOL_SOCKET', kind: 'int' },
  SO_BINDTODEVICE: { level: 'SOL_SOCKET', kind: 'string', emptyMeansNone: true },
  SO_NOSIGPIPE: { level: 'SOL_SOCKET', kind: 'bool', os: 'darwin' },
  SO_TYPE: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  SO_ERROR: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  SO_ACCEPTCONN: { level: 'SOL_SOCKET', kind: 'bool', readonly: true },
  SO_DOMAIN: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  SO_PROTOCOL: { level: 'SOL_SOCKET', kind: 'int', readonly: true },
  SO_PEERCRED: { level: 'SOL_SOCKET', kind: 'ucred', readonly: true, os: 'linux' },
  TCP_NODELAY: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_MAXSEG: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_CORK: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_NOPUSH: { level: 'IPPROTO_TCP', kind: 'bool', os: 'darwin' },
  TCP_KEEPIDLE: { level: 'IPPROTO_TCP', kind: 'int', unit: 's' },
  TCP_KEEPALIVE: { level: 'IPPROTO_TCP', kind: 'int', unit: 's', os: 'darwin' },
  TCP_KEEPINTVL: { level: 'IPPROTO_TCP', kind: 'int', unit: 's' },
  TCP_KEEPCNT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_SYNCNT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_LINGER2: { level: 'IPPROTO_TCP', kind: 'int', unit: 's' },
  TCP_DEFER_ACCEPT: { level: 'IPPROTO_TCP', kind: 'int', unit: 's' },
  TCP_WINDOW_CLAMP: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_QUICKACK: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_USER_TIMEOUT: { level: 'IPPROTO_TCP', kind: 'int', unit: 'ms' },
  TCP_NOTSENT_LOWAT: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_FASTOPEN: { level: 'IPPROTO_TCP', kind: 'int' },
  TCP_FASTOPEN_CONNECT: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_THIN_LINEAR_TIMEOUTS: { level: 'IPPROTO_TCP', kind: 'bool' },
  TCP_CONGESTION: { level: 'IPPROTO_TCP', kind: 'string' },
  TCP_INQ: { level: 'IPPROTO_TCP', kind: 'bool' },
  UDP_CORK: { level: 'IPPROTO_UDP', kind: 'bool' },
  UDP_SEGMENT: { level: 'IPPROTO_UDP', kind: 'int' },
  UDP_GRO: {
    level: 'IPPROTO_UDP',
    kind: 'bool',
    unsafe: {
      when: 'true',
      danger:
        "the kernel would merge consecutive datagrams into one and report where they split only in a control message Node never reads: each 'message' event could carry several datagrams glued together, and their boundaries would be lost",
    },
  },
  IP_TOS: { level: 'IPPROTO_IP', kind: 'int' },
  IP_TTL: { level: 'IPPROTO_IP', kind: 'int' },
  IP_MTU_DISCOVER: { level: 'IPPROTO_IP', kind: 'int' },
  IP_MTU: { level: 'IPPROTO_IP', kind: 'int', readonly: true },
  IP_RECVERR: { level: 'IPPROTO_IP', kind: 'bool', unsafe: RECVERR },
  IP_FREEBIND: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_TRANSPARENT: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_BIND_ADDRESS_NO_PORT: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_MULTICAST_TTL: { level: 'IPPROTO_IP', kind: 'int' },
  IP_MULTICAST_LOOP: { level: 'IPPROTO_IP', kind: 'bool' },
  IP_DONTFRAG: { level: 'IPPROTO_IP', kind: 'bool', os: 'darwin' },
  IPV6_V6ONLY: { level: 'IPPROTO_IPV6', kind: 'bool' },
  IPV6_UNICAST_HOPS: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_MULTICAST_HOPS: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_MULTICAST_LOOP: { level: 'IPPROTO_IPV6', kind: 'bool' },
  IPV6_TCLASS: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_RECVERR: { level: 'IPPROTO_IPV6', kind: 'bool', unsafe: RECVERR },
  IPV6_MTU_DISCOVER: { level: 'IPPROTO_IPV6', kind: 'int' },
  IPV6_MTU: { level: 'IPPROTO_IPV6', kind: 'int', readonly: true },
  IPV6_DONTFRAG: { level: 'IPPROTO_IPV6', kind: 'bool' },
} as const satisfies Record<string, Spec>;
