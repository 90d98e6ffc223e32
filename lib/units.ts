// Sizes, rates and durations with units, for the CLI: "64KiB", "1Gbit", "80ms".
import { coded } from './errors.js';

// Prefixes: k/K, m/M, g/G, t/T in either case (nobody means milli- in a
// buffer size or a link rate); with an "i" they are binary (KiB = 1024).
// The base is case-sensitive: B is a byte, b a bit. Anything that does not
// say which of the two it means is refused rather than guessed.
const PREFIX: Record<string, number> = { '': 0, k: 1, m: 2, g: 3, t: 4 };
const UNIT = /^([kmgt]?)(i?)(bits?|Bytes?|B|b)?(\/s|ps)?$/i;

interface Unit {
  /** Multiplier for the number. */
  factor: number;
  /** The base as written: 'bit', 'b' (bit), 'B' (byte), or '' when none was given. */
  base: 'bit' | 'b' | 'B' | '';
  /** "/s" or "ps" was given. */
  perSecond: boolean;
}

function readUnit(unit: string, binaryDefault: boolean): Unit | undefined {
  const m = UNIT.exec(unit);
  if (m === null) return undefined;
  const [, prefix, binary, rawBase = '', per] = m;
  let base: Unit['base'];
  if (rawBase === '') base = '';
  else if (/^bits?$/i.test(rawBase)) base = 'bit';
  else if (/^bytes?$/i.test(rawBase) || rawBase === 'B') base = 'B';
  else if (rawBase === 'b') base = 'b';
  else return undefined;
  const power = PREFIX[prefix.toLowerCase()];
  const radix = binary !== '' || (binaryDefault && base === '') ? 1024 : 1000;
  if (binary !== '' && prefix === '') return undefined;
  return { factor: radix ** power, base, perSecond: per !== undefined };
}

const NUMBER = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zµ/]*)\s*$/i;

function invalid(kind: string, text: string, accepted: string): never {
  throw coded(`Invalid ${kind} "${text}": ${accepted}`, 'ERR_INVALID_ARG_VALUE');
}

const SIZE_FORMS =
  'a size is bytes: 65536, 64KiB, 8MiB, 1GiB (binary; K, M, G alone are binary too) or 64KB, 1GB (decimal). B is a byte; a lowercase b (bit) is refused.';

/**
 * "64KiB" → 65536. Binary KiB/MiB/GiB and K/M/G; decimal KB/MB/GB; a bare
 * number is bytes. A lowercase b means bits, which a buffer size never is:
 * "64Kb" is refused, not read as 64 KB.
 */
export function parseSize(text: string): number {
  const m = NUMBER.exec(text);
  const unit = m === null ? undefined : readUnit(m[2], true);
  if (m === null || unit === undefined || unit.perSecond || unit.base === 'b' || unit.base === 'bit') {
    invalid('size', text, SIZE_FORMS);
  }
  const bytes = Math.round(Number(m[1]) * unit.factor);
  if (bytes > 2147483647) {
    throw coded(`Invalid size "${text}": the kernel takes at most 2147483647 bytes (2 GiB - 1)`, 'ERR_OUT_OF_RANGE');
  }
  return bytes;
}

const RATE_FORMS =
  'say bits or bytes per second. Bits: 100Mbit, 100Mbit/s, 100Mbps, 100Mb/s; bytes: 12.5MB/s, 12.5MBps, 10MiB/s. ' +
  'A lowercase b is a bit, an uppercase B a byte; the prefix k, M, G or T may be either case (mbps = Mbps) and is decimal unless written Ki, Mi, Gi, Ti.';

/**
 * "1Gbit" → 1e9 bits per second. b is a bit and B a byte, exactly as
 * written: 100Mb/s and 100Mbps are 100 megabit/s, 100MB/s and 100MBps are
 * 100 megabyte/s (800 Mbit/s). A rate that does not say which ("100M",
 * "100", "100MB" without /s) is refused.
 */
export function parseRate(text: string): number {
  const m = NUMBER.exec(text);
  const unit = m === null ? undefined : readUnit(m[2], false);
  if (m === null || unit === undefined || unit.base === '') invalid('rate', text, RATE_FORMS);
  // "bit" is a rate unit by itself (1Gbit); b and B need "/s" or "ps".
  if (unit.base !== 'bit' && !unit.perSecond) invalid('rate', text, RATE_FORMS);
  return Number(m[1]) * unit.factor * (unit.base === 'B' ? 8 : 1);
}

/** Seconds. */
const TIME_UNITS: Record<string, number> = { '': 1e-3, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, min: 60 };

/** "80ms" → 0.08 seconds. Units us, ms, s, min; a bare number is milliseconds. */
export function parseDuration(text: string): number {
  const m = NUMBER.exec(text);
  const factor = m === null ? undefined : TIME_UNITS[m[2].toLowerCase()];
  if (m === null || factor === undefined) {
    invalid('duration', text, 'expected a number with a unit, such as 80ms, 0.2s or 150000us (a bare number is ms)');
  }
  return Number(m[1]) * factor;
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
