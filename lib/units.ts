// Sizes, rates and durations with units, for the CLI: "64KiB", "1Gbit", "80ms".
import { coded } from './errors';

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/** Bits per second. */
const RATE_UNITS: Record<string, number> = {
  bit: 1,
  bps: 1,
  kbit: 1e3,
  kbps: 1e3,
  mbit: 1e6,
  mbps: 1e6,
  gbit: 1e9,
  gbps: 1e9,
  tbit: 1e12,
  tbps: 1e12,
  'b/s': 8,
  'kb/s': 8e3,
  'mb/s': 8e6,
  'gb/s': 8e9,
  'kib/s': 8 * 1024,
  'mib/s': 8 * 1024 ** 2,
  'gib/s': 8 * 1024 ** 3,
  k: 1e3,
  m: 1e6,
  g: 1e9,
};

/** Seconds. */
const TIME_UNITS: Record<string, number> = { '': 1e-3, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, min: 60 };

const NUMBER = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zµ/]*)\s*$/i;

function parse(kind: string, text: string, units: Record<string, number>, example: string): number {
  const m = NUMBER.exec(text);
  const unit = m?.[2].toLowerCase();
  const factor = unit === undefined ? undefined : units[unit];
  if (!m || factor === undefined) {
    throw coded(
      `Invalid ${kind} "${text}": expected a number with a unit, such as ${example}`,
      'ERR_INVALID_ARG_VALUE',
    );
  }
  return Number(m[1]) * factor;
}

/** "64KiB" → 65536. Binary K/M/G and KiB/MiB/GiB; decimal KB/MB/GB; a bare number is bytes. */
export function parseSize(text: string): number {
  const bytes = Math.round(parse('size', text, SIZE_UNITS, '65536, 64KiB, 8MiB or 1GB'));
  if (bytes > 2147483647) {
    throw coded(`Invalid size "${text}": the kernel takes at most 2147483647 bytes (2 GiB - 1)`, 'ERR_OUT_OF_RANGE');
  }
  return bytes;
}

/** "1Gbit" → 1e9 bits per second. Bits: bit/kbit/Mbit/Gbit, bps/Mbps/Gbps; bytes: MB/s, MiB/s. */
export function parseRate(text: string): number {
  return parse('rate', text, RATE_UNITS, '100Mbit, 1Gbit, 10Gbps or 125MB/s');
}

/** "80ms" → 0.08 seconds. Units us, ms, s, min; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  return parse('duration', text, TIME_UNITS, '80ms, 0.2s or 150000us');
}

/** 4194304 → "4 MiB"; exact when it can be, otherwise one decimal. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let i = 0;
  while (Math.abs(value) >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  const shown = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[i]}`;
}

export function formatRate(bitsPerSecond: number): string {
  const units: [number, string][] = [
    [1e12, 'Tbit/s'],
    [1e9, 'Gbit/s'],
    [1e6, 'Mbit/s'],
    [1e3, 'kbit/s'],
  ];
  for (const [factor, unit] of units) {
    if (bitsPerSecond >= factor) return `${+(bitsPerSecond / factor).toFixed(2)} ${unit}`;
  }
  return `${bitsPerSecond} bit/s`;
}

export function formatDuration(seconds: number): string {
  if (seconds >= 1) return `${+seconds.toFixed(3)} s`;
  if (seconds >= 1e-3) return `${+(seconds * 1e3).toFixed(3)} ms`;
  return `${+(seconds * 1e6).toFixed(1)} µs`;
}
