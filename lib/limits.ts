// The operating system's limits that decide what a buffer-size request
// really gets. Linux: procfs. macOS: sysctl through the addon. Anything
// missing or unreadable is null, never a throw.
import { readFileSync } from 'node:fs';
import { native } from './binding';

export interface Range {
  min: number | null;
  default: number | null;
  max: number | null;
}

/** Memory thresholds in pages (Linux tcp_mem/udp_mem): below, pressure, hard limit. */
export interface PageThresholds {
  low: number | null;
  pressure: number | null;
  high: number | null;
}

export interface SystemLimits {
  platform: NodeJS.Platform;
  /** Where the numbers came from. */
  source: 'procfs' | 'sysctl' | 'none';
  /** Largest SO_RCVBUF a process without CAP_NET_ADMIN may set (Linux net.core.rmem_max; macOS kern.ipc.maxsockbuf). */
  recvMax: number | null;
  /** Largest SO_SNDBUF a process without CAP_NET_ADMIN may set (net.core.wmem_max; kern.ipc.maxsockbuf). */
  sendMax: number | null;
  /** SO_RCVBUF of a new non-TCP socket (net.core.rmem_default). */
  recvDefault: number | null;
  /** SO_SNDBUF of a new non-TCP socket (net.core.wmem_default). */
  sendDefault: number | null;
  /** Largest ancillary/option memory per socket (net.core.optmem_max). */
  optionMemoryMax: number | null;
  tcp: {
    /** net.ipv4.tcp_rmem (min, default, max); on macOS default = recvspace, max = autorcvbufmax. */
    recv: Range;
    /** net.ipv4.tcp_wmem; on macOS default = sendspace, max = autosndbufmax. */
    send: Range;
    /** net.ipv4.tcp_mem, in pages. */
    memoryPages: PageThresholds;
    /** net.ipv4.tcp_window_scaling (RFC 7323); needed for windows past 64 KiB. */
    windowScaling: boolean | null;
    /** Receive-buffer autotuning (tcp_moderate_rcvbuf; macOS net.inet.tcp.doautorcvbuf). */
    autotuning: boolean | null;
    /** net.ipv4.tcp_adv_win_scale: how the buffer is split between window and overhead. */
    advWinScale: number | null;
  };
  udp: {
    /** net.ipv4.udp_mem, in pages. */
    memoryPages: PageThresholds;
    /** net.ipv4.udp_rmem_min. */
    recvMin: number | null;
    /** net.ipv4.udp_wmem_min. */
    sendMin: number | null;
    /** macOS net.inet.udp.recvspace (default receive buffer); Linux null (uses recvDefault). */
    recvDefault: number | null;
    /** macOS net.inet.udp.maxdgram (largest datagram sent); Linux null. */
    maxDatagram: number | null;
  };
}

/** Root of the sysctl tree. */
const PROC_SYS = '/proc/sys';

function readNumbers(key: string): number[] | null {
  try {
    const text = readFileSync(`${PROC_SYS}/${key.replace(/\./g, '/')}`, 'latin1').trim();
    if (text === '') return null;
    const values = text.split(/\s+/).map(Number);
    return values.every(Number.isFinite) ? values : null;
  } catch {
    return null;
  }
}

/** One Linux sysctl as a number (the first field), or null. */
function readLinuxSysctl(key: string): number | null {
  const values = readNumbers(key);
  return values === null ? null : values[0];
}

function triple(key: string): [number | null, number | null, number | null] {
  const v = readNumbers(key);
  return v !== null && v.length === 3 ? [v[0], v[1], v[2]] : [null, null, null];
}

function flag(value: number | null): boolean | null {
  return value === null ? null : value !== 0;
}

function linuxLimits(): SystemLimits {
  const n = readLinuxSysctl;
  const rmem = triple('net.ipv4.tcp_rmem');
  const wmem = triple('net.ipv4.tcp_wmem');
  const tcpMem = triple('net.ipv4.tcp_mem');
  const udpMem = triple('net.ipv4.udp_mem');
  return {
    platform: 'linux',
    source: 'procfs',
    recvMax: n('net.core.rmem_max'),
    sendMax: n('net.core.wmem_max'),
    recvDefault: n('net.core.rmem_default'),
    sendDefault: n('net.core.wmem_default'),
    optionMemoryMax: n('net.core.optmem_max'),
    tcp: {
      recv: { min: rmem[0], default: rmem[1], max: rmem[2] },
      send: { min: wmem[0], default: wmem[1], max: wmem[2] },
      memoryPages: { low: tcpMem[0], pressure: tcpMem[1], high: tcpMem[2] },
      windowScaling: flag(n('net.ipv4.tcp_window_scaling')),
      autotuning: flag(n('net.ipv4.tcp_moderate_rcvbuf')),
      advWinScale: n('net.ipv4.tcp_adv_win_scale'),
    },
    udp: {
      memoryPages: { low: udpMem[0], pressure: udpMem[1], high: udpMem[2] },
      recvMin: n('net.ipv4.udp_rmem_min'),
      sendMin: n('net.ipv4.udp_wmem_min'),
      recvDefault: null,
      maxDatagram: null,
    },
  };
}

function darwinLimits(): SystemLimits {
  const get = (name: string): number | null => {
    try {
      return native.sysctl?.(name) ?? null;
    } catch {
      return null;
    }
  };
  const maxsockbuf = get('kern.ipc.maxsockbuf');
  return {
    platform: 'darwin',
    source: 'sysctl',
    recvMax: maxsockbuf,
    sendMax: maxsockbuf,
    recvDefault: null,
    sendDefault: null,
    optionMemoryMax: null,
    tcp: {
      recv: { min: null, default: get('net.inet.tcp.recvspace'), max: get('net.inet.tcp.autorcvbufmax') },
      send: { min: null, default: get('net.inet.tcp.sendspace'), max: get('net.inet.tcp.autosndbufmax') },
      memoryPages: { low: null, pressure: null, high: null },
      windowScaling: flag(get('net.inet.tcp.rfc1323')),
      autotuning: flag(get('net.inet.tcp.doautorcvbuf')),
      advWinScale: null,
    },
    udp: {
      memoryPages: { low: null, pressure: null, high: null },
      recvMin: null,
      sendMin: null,
      recvDefault: get('net.inet.udp.recvspace'),
      maxDatagram: get('net.inet.udp.maxdgram'),
    },
  };
}

function emptyLimits(): SystemLimits {
  const range = (): Range => ({ min: null, default: null, max: null });
  const pages = (): PageThresholds => ({ low: null, pressure: null, high: null });
  return {
    platform: process.platform,
    source: 'none',
    recvMax: null,
    sendMax: null,
    recvDefault: null,
    sendDefault: null,
    optionMemoryMax: null,
    tcp: {
      recv: range(),
      send: range(),
      memoryPages: pages(),
      windowScaling: null,
      autotuning: null,
      advWinScale: null,
    },
    udp: { memoryPages: pages(), recvMin: null, sendMin: null, recvDefault: null, maxDatagram: null },
  };
}

/**
 * The system's socket-buffer limits, read now. Linux values are those of the
 * calling process's network namespace where the kernel keeps them per
 * namespace (tcp_rmem, tcp_wmem, ...). Unreadable entries are null.
 */
export function systemLimits(): SystemLimits {
  if (process.platform === 'linux') return linuxLimits();
  if (process.platform === 'darwin') return darwinLimits();
  return emptyLimits();
}

// The caps are read at most once per CAP_TTL_MS: a procfs read costs ~25 us,
// which a server sizing every accepted connection would pay twice per
// connection. An administrator's change shows within that time.
const CAP_TTL_MS = 1000;
const capCache = {
  recv: { at: -Infinity, value: null as number | null },
  send: { at: -Infinity, value: null as number | null },
};

/** The cap a non-forced SO_RCVBUF / SO_SNDBUF request is held to, or null. */
export function bufferCap(direction: 'recv' | 'send'): number | null {
  if (process.platform === 'linux') {
    const entry = capCache[direction];
    const now = performance.now();
    if (now - entry.at >= CAP_TTL_MS) {
      entry.value = readLinuxSysctl(direction === 'recv' ? 'net.core.rmem_max' : 'net.core.wmem_max');
      entry.at = now;
    }
    return entry.value;
  }
  if (process.platform === 'darwin') {
    try {
      return native.sysctl?.('kern.ipc.maxsockbuf') ?? null;
    } catch {
      return null;
    }
  }
  return null;
}
