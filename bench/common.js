'use strict';
// Helpers shared by the bench sections: timing, robust statistics, and the
// checks that turn a broken measurement into a failure instead of a number.

const path = require('node:path');

/** The package root: the bench measures the compiled library in dist/. */
const root = path.join(__dirname, '..');

/** Nanoseconds from a monotonic clock, as a plain number. */
function nowNs() {
  return Number(process.hrtime.bigint());
}

function median(values) {
  if (values.length === 0) throw new BenchError('median of no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation relative to the median: a noise indicator. */
function relativeSpread(values) {
  const m = median(values);
  if (m === 0) return 0;
  return median(values.map((v) => Math.abs(v - m))) / Math.abs(m);
}

/** A measurement that cannot be trusted: the bench exits non-zero. */
class BenchError extends Error {
  constructor(message) {
    super(message);
    this.name = 'BenchError';
  }
}

function check(condition, message) {
  if (!condition) throw new BenchError(message);
}

/** A finite, positive number, or a BenchError naming what was measured. */
function positive(value, what) {
  check(typeof value === 'number' && Number.isFinite(value) && value > 0, `${what}: got ${value}`);
  return value;
}

/**
 * Runs `variants` (name -> function returning one sample) for `rounds`
 * rounds, interleaved, alternating their order each round so that a slow
 * stretch of the machine hits every variant alike. Returns name -> samples.
 */
function interleave(variants, rounds) {
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name].push(positive(variants[name](), name));
  }
  return samples;
}

/** Async version of interleave for variants that return promises. */
async function interleaveAsync(variants, rounds) {
  const names = Object.keys(variants);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) samples[name].push(positive(await variants[name](), name));
  }
  return samples;
}

/** Per-round ratios a[i] / b[i]: both were measured side by side. */
function pairedRatios(a, b) {
  check(a.length === b.length, 'paired samples of different lengths');
  return a.map((v, i) => v / b[i]);
}

/** Per-round differences a[i] - b[i]: both were measured side by side. */
function pairedDiffs(a, b) {
  check(a.length === b.length, 'paired samples of different lengths');
  return a.map((v, i) => v - b[i]);
}

module.exports = {
  root,
  nowNs,
  median,
  relativeSpread,
  BenchError,
  check,
  positive,
  interleave,
  interleaveAsync,
  pairedRatios,
  pairedDiffs,
};
