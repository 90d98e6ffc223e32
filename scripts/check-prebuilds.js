#!/usr/bin/env node
// Run by `prepack` (so by `npm pack` and `npm publish`): refuses to pack
// unless prebuilds/ holds exactly the six binaries the README promises, each
// for the platform, CPU and C library its name says, and each built from this
// package's version. It reads the files' headers and the version marker that
// binding.gyp stamps into native/addon.cc; it never loads them (a macOS or
// arm64 binary cannot be loaded here).
//
//   node scripts/check-prebuilds.js [package-folder]
//   SOCKBUF_PACK_PARTIAL=1: binaries that are missing are listed but allowed
//   (for local packs); present ones must still be right.
//
// Exit status: 0 when the pack may go on, 1 otherwise.
'use strict';

const fs = require('node:fs');
const path = require('node:path');

/** Newest glibc symbol version a glibc binary may ask for: Node 20's own minimum. */
const MAX_GLIBC = '2.28';
const MARKER = 'sockbuf-version=';

/** The binaries the package must carry, named the way node-gyp-build picks them. */
const EXPECTED = [
  { file: 'linux-x64/sockbuf.node', format: 'ELF', arch: 'x64', libc: 'glibc' },
  { file: 'linux-arm64/sockbuf.node', format: 'ELF', arch: 'arm64', libc: 'glibc' },
  { file: 'linux-x64/sockbuf.musl.node', format: 'ELF', arch: 'x64', libc: 'musl' },
  { file: 'linux-arm64/sockbuf.musl.node', format: 'ELF', arch: 'arm64', libc: 'musl' },
  { file: 'darwin-x64/sockbuf.node', format: 'Mach-O', arch: 'x64' },
  { file: 'darwin-arm64/sockbuf.node', format: 'Mach-O', arch: 'arm64' },
];

const ELF_MACHINES = { 62: 'x64', 183: 'arm64' };
const MACHO_CPUS = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const MH_DYLIB = 6;
const MH_BUNDLE = 8;

/** What a binary's header says: format, arch, and for ELF the glibc versions it asks for. */
function describe(bytes) {
  if (bytes.length >= 64 && bytes.readUInt32BE(0) === 0x7f454c46) {
    if (bytes[4] !== 2 || bytes[5] !== 1) return { format: 'ELF', problem: 'not a 64-bit little-endian ELF file' };
    const type = bytes.readUInt16LE(16);
    if (type !== 3) return { format: 'ELF', problem: `ELF type ${type}, not a shared object (3)` };
    const machine = bytes.readUInt16LE(18);
    const versions = [...new Set(bytes.toString('latin1').match(/GLIBC_\d+(\.\d+)+/g) ?? [])]
      .map((v) => v.slice('GLIBC_'.length))
      .sort(compareVersions);
    return {
      format: 'ELF',
      arch: ELF_MACHINES[machine] ?? `ELF machine ${machine}`,
      libc: versions.length > 0 ? 'glibc' : 'musl',
      glibc: versions[versions.length - 1],
    };
  }
  if (bytes.length >= 32 && bytes.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = bytes.readUInt32LE(4);
    const type = bytes.readUInt32LE(12);
    if (type !== MH_BUNDLE && type !== MH_DYLIB) {
      return { format: 'Mach-O', problem: `Mach-O file type ${type}, not a bundle (8) or dylib (6)` };
    }
    return { format: 'Mach-O', arch: MACHO_CPUS[cpu] ?? `Mach-O cputype 0x${cpu.toString(16)}` };
  }
  if (bytes.length >= 4 && [0xcafebabe, 0xbebafeca].includes(bytes.readUInt32BE(0))) {
    return { format: 'universal Mach-O', problem: 'a universal (fat) Mach-O file; ship one architecture per folder' };
  }
  return { format: 'unknown', problem: 'neither an ELF nor a 64-bit Mach-O file' };
}

function compareVersions(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The version stamped into the binary, or undefined; throws on two different stamps. */
function stampedVersion(bytes) {
  const found = new Set();
  let at = bytes.indexOf(MARKER);
  while (at !== -1) {
    const start = at + MARKER.length;
    const end = bytes.indexOf(0, start);
    found.add(bytes.toString('latin1', start, end === -1 ? Math.min(bytes.length, start + 64) : end));
    at = bytes.indexOf(MARKER, start);
  }
  if (found.size > 1) throw new Error(`several version stamps: ${[...found].join(', ')}`);
  return [...found][0];
}

/** Checks one expected binary; returns the problems (empty when it is right). */
function checkBinary(file, expected, version) {
  const bytes = fs.readFileSync(file);
  const d = describe(bytes);
  const problems = [];
  if (d.problem) return [d.problem];
  if (d.format !== expected.format || d.arch !== expected.arch) {
    problems.push(`is a ${d.format} ${d.arch} binary, expected ${expected.format} ${expected.arch}`);
  }
  if (expected.libc && d.libc !== expected.libc) {
    problems.push(
      d.libc === 'glibc'
        ? `is linked against glibc (it asks for GLIBC_${d.glibc}), expected musl`
        : 'asks for no GLIBC_ symbol version, so it is not a glibc build',
    );
  }
  if (expected.libc === 'glibc' && d.glibc && compareVersions(d.glibc, MAX_GLIBC) > 0) {
    problems.push(`asks for GLIBC_${d.glibc}, newer than ${MAX_GLIBC} (Node 20's minimum): build it on an older glibc`);
  }
  let stamp;
  try {
    stamp = stampedVersion(bytes);
  } catch (err) {
    problems.push(err.message);
    return problems;
  }
  if (stamp === undefined) problems.push(`has no "${MARKER}" stamp: not built by this package's binding.gyp`);
  else if (stamp !== version) problems.push(`was built from sockbuf ${stamp}, not ${version}: rebuild it`);
  return problems;
}

function listFiles(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    );
}

/**
 * Checks root/prebuilds against EXPECTED for root/package.json's version.
 * Returns { version, present, missing, problems }, problems as "file: text".
 */
function checkPrebuilds(root) {
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const dir = path.join(root, 'prebuilds');
  const files = listFiles(dir);
  const present = [];
  const missing = [];
  const problems = [];
  for (const expected of EXPECTED) {
    if (!files.includes(expected.file)) {
      missing.push(expected.file);
      continue;
    }
    present.push(expected.file);
    for (const p of checkBinary(path.join(dir, expected.file), expected, version)) {
      problems.push(`prebuilds/${expected.file}: ${p}`);
    }
  }
  for (const f of files) {
    if (!EXPECTED.some((e) => e.file === f)) problems.push(`prebuilds/${f}: not one of the six expected files`);
  }
  return { version, present, missing, problems };
}

function main() {
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  const partial = process.env.SOCKBUF_PACK_PARTIAL === '1';
  const { version, present, missing, problems } = checkPrebuilds(root);
  const say = (line) => process.stderr.write(`check-prebuilds: ${line}\n`);
  for (const p of problems) say(`WRONG ${p}`);
  for (const m of missing) say(`MISSING prebuilds/${m}`);
  if (problems.length > 0) {
    say(`refusing to pack sockbuf ${version}: ${problems.length} wrong file(s) in prebuilds/`);
    return 1;
  }
  if (missing.length > 0 && !partial) {
    say(
      `refusing to pack sockbuf ${version}: ${missing.length} of ${EXPECTED.length} binaries missing ` +
        `(releases are built by .github/workflows/release.yml; SOCKBUF_PACK_PARTIAL=1 packs what is there, for local tests)`,
    );
    return 1;
  }
  if (missing.length > 0) {
    say(`SOCKBUF_PACK_PARTIAL=1: packing ${present.length} of ${EXPECTED.length} binaries; not for publishing`);
  } else {
    say(`all ${EXPECTED.length} binaries present, right platform, built from ${version}`);
  }
  return 0;
}

module.exports = { EXPECTED, MAX_GLIBC, describe, stampedVersion, checkPrebuilds };

if (require.main === module) process.exitCode = main();
