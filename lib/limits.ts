// The operating system's limits that decide what a buffer-size request
// really gets. Linux: procfs. macOS: sysctl through the addon. Anything
// missing or unreadable is null, never a throw.
import { closeSync, openSync, readSync } from 'node:fs';
import { loadNative } from './binding.js';
import { readNumberFiles } from './raw.js';

// This module loads on the first call that needs it; the binary loads with it.
const native = loadNative();

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
const PROC_SYS = '/proc/sys/';

// procfs files are read with open, one read and close, as a C reader does
// (readFileSync sees procfs's size 0, allocates 64 KiB twice and makes five
// system calls a file): systemLimits through the addon's readNumberFiles, in
// one native call; the cap refresh, and a binary without it, through the fs
// calls below into one reused buffer.
const readBuffer = Buffer.allocUnsafe(256);
const values: number[] = [0, 0, 0, 0];
const SPACE = 0x20;
const TAB = 0x09;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

/**
 * The whitespace-separated integers of a procfs file into `values`; returns
 * how many (0 when the file is missing, unreadable, empty, too long, or holds
 * anything but integers).
 */
function readNumbers(key: string): number {
  let fd = -1;
  let length = 0;
  try {
    fd = openSync(PROC_SYS + key, 'r');
    length = readSync(fd, readBuffer, 0, readBuffer.length, null);
  } catch {
    return 0;
  } finally {
    if (fd !== -1) closeSync(fd);
  }
  if (length >= readBuffer.length) return 0;
  let count = 0;
  let i = 0;
  while (i < length) {
    const c = readBuffer[i];
    if (c === SPACE || c === TAB || c === NEWLINE) {
      i++;
      continue;
    }
    let sign = 1;
    if (c === MINUS) {
      sign = -1;
      i++;
    }
    const start = i;
    let n = 0;
    for (let d = readBuffer[i]; i < length && d >= ZERO && d <= NINE; d = readBuffer[++i]) n = n * 10 + (d - ZERO);
    if (i === start || count === values.length) return 0;
    if (i < length) {
      const end = readBuffer[i];
      if (end !== SPACE && end !== TAB && end !== NEWLINE) return 0;
    }
    values[count++] = sign * n;
  }
  return count;
}

/** One Linux sysctl as a number (the first field), or null. */
function readLinuxSysctl(key: string): number | null {
  return readNumbers(key) === 0 ? null : values[0];
}

function flag(value: number | null): boolean | null {
  return value === null ? null : value !== 0;
}

// The files linuxLimits reads, in the order of its slots below.
const LINUX_FILES = [
  'net/core/rmem_max',
  'net/core/wmem_max',
  'net/core/rmem_default',
  'net/core/wmem_default',
  'net/core/optmem_max',
  'net/ipv4/tcp_rmem',
  'net/ipv4/tcp_wmem',
  'net/ipv4/tcp_mem',
  'net/ipv4/udp_mem',
  'net/ipv4/tcp_window_scaling',
  'net/ipv4/tcp_moderate_rcvbuf',
  'net/ipv4/tcp_adv_win_scale',
  'net/ipv4/udp_rmem_min',
  'net/ipv4/udp_wmem_min',
] as const;
const LINUX_PATHS = LINUX_FILES.map((f) => PROC_SYS + f).join('\n');
const fallbackTable = new Float64Array(LINUX_FILES.length * 4);

/** Every file of LINUX_FILES: [count, v0, v1, v2] per file. */
function readLinuxTable(): Float64Array {
  // One native call for the fourteen files where the addon has it.
  const table = readNumberFiles(LINUX_PATHS);
  if (table !== null) return table;
  for (let i = 0; i < LINUX_FILES.length; i++) {
    const count = readNumbers(LINUX_FILES[i]);
    fallbackTable[i * 4] = count > 3 ? 0 : count;
    for (let j = 0; j < 3; j++) fallbackTable[i * 4 + 1 + j] = values[j];
  }
  return fallbackTable;
}

function linuxLimits(): SystemLimits {
  const t = readLinuxTable();
  const n = (i: number): number | null => (t[i * 4] >= 1 ? t[i * 4 + 1] : null);
  const range = (i: number): Range =>
    t[i * 4] === 3
      ? { min: t[i * 4 + 1], default: t[i * 4 + 2], max: t[i * 4 + 3] }
      : { min: null, default: null, max: null };
  const pages = (i: number): PageThresholds =>
    t[i * 4] === 3
      ? { low: t[i * 4 + 1], pressure: t[i * 4 + 2], high: t[i * 4 + 3] }
      : { low: null, pressure: null, high: null };
  return {
    platform: 'linux',
    source: 'procfs',
    recvMax: n(0),
    sendMax: n(1),
    recvDefault: n(2),
    sendDefault: n(3),
    optionMemoryMax: n(4),
    tcp: {
      recv: range(5),
      send: range(6),
      memoryPages: pages(7),
      windowScaling: flag(n(9)),
      autotuning: flag(n(10)),
      advWinScale: n(11),
    },
    udp: {
      memoryPages: pages(8),
      recvMin: n(12),
      sendMin: n(13),
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

// The cap of a non-forced set, which every buffer-size report carries. It is
// never read on the hot path of a set: the first use reads it, then an
// unref'd timer re-reads it every CAP_TTL_MS for as long as sets keep using
// it, and stops (marking the value stale) after a period without any, so that
// an idle process reads nothing and the next set reads afresh.
//
// Staleness bound: a set reports a cap at most CAP_TTL_MS old, plus however
// long the event loop has been blocked (the refresh is a timer). An
// administrator's `sysctl -w net.core.rmem_max=...` shows in reports within
// that time; the kernel itself always applies the current value.
//
// Cost on the hot path: two boolean checks. (Measured on Node 20, x86-64:
// performance.now() ~60 ns, Date.now() ~25 ns, the flag ~1 ns.)
const CAP_TTL_MS = 1000;
let capFresh = false;
let capUsed = false;
let capRecv: number | null = null;
let capSend: number | null = null;
let capTimer: ReturnType<typeof setInterval> | null = null;

function readCaps(): void {
  if (process.platform === 'linux') {
    capRecv = readLinuxSysctl('net/core/rmem_max');
    capSend = readLinuxSysctl('net/core/wmem_max');
  } else if (process.platform === 'darwin') {
    let max: number | null = null;
    try {
      max = native.sysctl?.('kern.ipc.maxsockbuf') ?? null;
    } catch {
      max = null;
    }
    capRecv = max;
    capSend = max;
  }
}

function refreshCaps(): void {
  if (!capUsed) {
    // No set since the last refresh: stop, and read afresh on the next use.
    if (capTimer !== null) clearInterval(capTimer);
    capTimer = null;
    capFresh = false;
    return;
  }
  capUsed = false;
  readCaps();
}

/** The cap a non-forced SO_RCVBUF / SO_SNDBUF request is held to, or null. */
export function bufferCap(direction: 'recv' | 'send'): number | null {
  if (!capFresh) {
    readCaps();
    capFresh = true;
    capTimer = setInterval(refreshCaps, CAP_TTL_MS);
    capTimer.unref?.();
  }
  capUsed = true;
  return direction === 'recv' ? capRecv : capSend;
}
