// The package as users get it: `npm pack` (whose prepack checks prebuilds/
// and compiles dist/), then the tarball installed into fresh projects with
// npm's defaults and with --ignore-scripts. The prebuild must load without
// anything being compiled or any install script, and without prebuilds/ the
// error must name the platform and a compile command that really works.
// Packing itself must refuse a prebuilds/ folder that lacks one of the six
// binaries, holds one built from another version, or one for another CPU or
// C library (scripts/check-prebuilds.js, run by prepack).
//
// The packs run in scratch copies of the package, where this platform's
// prebuild is compiled with prebuildify (it runs `node-gyp rebuild` in place,
// and the other test files use ./build). The full install matrix (pnpm, yarn,
// bun) is scripts/install-matrix.sh.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  main: string;
  types: string;
  files: string[];
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};
const MAX_TARBALL = 300 * 1024;
const target = `${process.platform}-${process.arch}`;

// The environment a user's shell would have: none of the npm_* variables of
// the `npm test` that may be running this file, no NODE_OPTIONS (CI sets
// --throw-deprecation, which is for sockbuf, not for npm), no node-gyp-build
// overrides (PREBUILDS_ONLY, SOCKBUF_PREBUILD), no node_modules/.bin of this
// repository on PATH.
const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/^npm_/i.test(key) && !['NODE_OPTIONS', 'INIT_CWD', 'PREBUILDS_ONLY', 'SOCKBUF_PREBUILD'].includes(key),
  ),
);
userEnv.PATH = (process.env.PATH ?? '')
  .split(path.delimiter)
  .filter((dir) => !dir.includes(`${path.sep}node_modules${path.sep}`) && !dir.endsWith(`${path.sep}node_modules`))
  .join(path.delimiter);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}): Run {
  const res = spawnSync(cmd, args, { cwd, env: userEnv, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (res.error) throw res.error;
  return { status: res.status, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** Runs a command and throws with its output when it fails. */
function ok(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}): Run {
  const res = run(cmd, args, cwd, options);
  if (res.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) exited ${res.status}\n${res.stdout.slice(-4000)}\n${res.stderr.slice(-4000)}`,
    );
  }
  return res;
}

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

/** `linux-x64`, `darwin-arm64`, ... from a binary's own header. */
function binaryTarget(file: string): string {
  const b = readFileSync(file);
  if (b.length >= 20 && b.readUInt32BE(0) === 0x7f454c46) {
    const machine = b.readUInt16LE(18);
    return `linux-${({ 62: 'x64', 183: 'arm64' } as Record<number, string>)[machine] ?? `elf-machine-${machine}`}`;
  }
  if (b.length >= 8 && b.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = b.readUInt32LE(4);
    return `darwin-${cpu === 0x01000007 ? 'x64' : cpu === 0x0100000c ? 'arm64' : `macho-cpu-${cpu}`}`;
  }
  return 'unknown';
}

// What a user's program does first: load sockbuf, use a UDP and a TCP socket,
// and report which binary the process mapped.
const USE_IT = `
const fs = require('node:fs');
const path = require('node:path');
const dgram = require('node:dgram');
const net = require('node:net');
const s = require('sockbuf');
const dir = path.dirname(require.resolve('sockbuf/package.json'));
const mapped = () => process.platform === 'linux'
  ? [...new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/).pop()).filter((f) => f.endsWith('.node')))]
  : [require('node-gyp-build').resolve(dir)];
// The binary loads at the first call that needs it, not at the require.
const atRequire = process.platform === 'linux' ? mapped() : [];
let loaded;
const udp = dgram.createSocket('udp4');
udp.bind(0, '127.0.0.1', () => {
  const report = s.setRecvBufferSize(udp, 100000);
  loaded = mapped();
  const sizes = s.getBufferSizes(udp);
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => {
    const client = net.connect(server.address().port, '127.0.0.1', () => {
      const tcpType = s.getsockopt(client, s.constants.SOL_SOCKET, s.constants.SO_TYPE);
      let badFd;
      try { s.getsockopt(2147483000, s.constants.SOL_SOCKET, s.constants.SO_TYPE); } catch (err) { badFd = err.code; }
      console.log(JSON.stringify({ dir, atRequire, loaded, report, sizes, tcpIsStream: tcpType === s.constants.SOCK_STREAM, badFd }));
      client.destroy(); server.close(); udp.close();
    });
  });
});
`;

interface UseResult {
  dir: string;
  atRequire: string[];
  loaded: string[];
  report: { requested: number; effective: number; clamped: boolean };
  sizes: { recv: number; send: number };
  tcpIsStream: boolean;
  badFd: string;
}

function useIt(app: string): UseResult {
  const res = ok(process.execPath, ['--throw-deprecation', '-e', USE_IT], app);
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout) as UseResult;
}

function expectWorking(result: UseResult, binary: string): void {
  expect(result.atRequire).toEqual([]);
  expect(result.loaded).toEqual([binary]);
  expect(result.report.requested).toBe(100000);
  // Linux doubles the request (bookkeeping overhead); others grant it as is.
  expect(result.report.effective).toBe(process.platform === 'linux' ? 200000 : 100000);
  expect(result.sizes.recv).toBe(result.report.effective);
  expect(result.tcpIsStream).toBe(true);
  expect(['EBADF', 'ERR_OUT_OF_RANGE']).toContain(result.badFd);
}

/** The error a program gets from require('sockbuf') when no binary matches. */
function loadError(app: string): { code: string; message: string } {
  const res = ok(
    process.execPath,
    [
      '-e',
      `try { require('sockbuf'); console.log('{}'); } catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }`,
    ],
    app,
  );
  return JSON.parse(res.stdout) as { code: string; message: string };
}

let work = '';
let src = '';
let tarball = '';
let packOutput = '';
let entries: string[] = [];
const extracted = () => path.join(work, 'extracted', 'package');
const hostLibc =
  process.platform !== 'linux'
    ? undefined
    : (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
      ? 'glibc'
      : 'musl';
/** This platform's file among the six (the one prebuildify makes here). */
const hostFile = `${target}/${hostLibc === 'musl' ? 'sockbuf.musl.node' : 'sockbuf.node'}`;
const SIX = [
  'darwin-arm64/sockbuf.node',
  'darwin-x64/sockbuf.node',
  'linux-arm64/sockbuf.musl.node',
  'linux-arm64/sockbuf.node',
  'linux-x64/sockbuf.musl.node',
  'linux-x64/sockbuf.node',
];

/** A copy of the package without node_modules (linked), build/, dist/ or tarballs. */
function copyPackage(dest: string): string {
  const skip = new Set(['node_modules', 'build', 'dist', 'coverage', '.git', '.jest-results.json', '.ci-results']);
  cpSync(root, dest, {
    recursive: true,
    filter: (from) => {
      const rel = path.relative(root, from);
      const top = rel.split(path.sep)[0];
      return (
        rel === '' || (!skip.has(top) && !top.startsWith('build-') && !top.endsWith('.tgz') && rel !== 'native/build')
      );
    },
  });
  symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
  return dest;
}

/** `npm pack` in dir, into a fresh folder; returns the run and the tarballs it wrote. */
function pack(dir: string, env: NodeJS.ProcessEnv = {}): Run & { tarballs: string[]; dest: string } {
  const dest = mkdtempSync(path.join(work, 'pack-'));
  const res = run('npm', ['pack', '--pack-destination', dest], dir, { env: { ...userEnv, ...env } });
  return { ...res, dest, tarballs: readdirSync(dest).filter((f) => f.endsWith('.tgz')) };
}

beforeAll(() => {
  // realpath: macOS's tmpdir is a symlink, and require.resolve answers real paths.
  work = realpathSync(mkdtempSync(path.join(tmpdir(), 'sockbuf-package-test-')));
  src = copyPackage(path.join(work, 'src'));
  // This platform's binary, as the release workflow builds it. Prebuilds
  // already in prebuilds/ (scripts/prebuild-arm64.sh's) came along.
  // node-gyp must build against the running Node's headers (no download).
  const nodePrefix = path.dirname(path.dirname(process.execPath));
  const nodedir = existsSync(path.join(nodePrefix, 'include', 'node', 'node_api.h'))
    ? { npm_config_nodedir: nodePrefix }
    : {};
  // On musl, --tag-libc names it sockbuf.musl.node, as the release workflow does.
  const tagLibc = hostLibc === 'musl' ? ['--tag-libc'] : [];
  ok(path.join(root, 'node_modules', '.bin', 'prebuildify'), ['--napi', '--strip', ...tagLibc], src, {
    env: { ...nodedir, ...userEnv },
  });
  const present = SIX.filter((f) => existsSync(path.join(src, 'prebuilds', f)));
  const res = pack(src, present.length < SIX.length ? { SOCKBUF_PACK_PARTIAL: '1' } : {});
  packOutput = `${res.stdout}\n${res.stderr}`;
  if (res.status !== 0) throw new Error(`npm pack exited ${res.status}\n${packOutput.slice(-4000)}`);
  expect(res.tarballs).toEqual([`${pkg.name}-${pkg.version}.tgz`]);
  tarball = path.join(res.dest, res.tarballs[0]);
  entries = ok('tar', ['-tzf', tarball], work)
    .stdout.split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
  mkdirSync(path.join(work, 'extracted'));
  ok('tar', ['-xzf', tarball, '-C', path.join(work, 'extracted')], work);
}, 240_000);

afterAll(() => {
  if (work && !process.env.KEEP_PACKAGE_TEST) rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  test(`is under ${MAX_TARBALL / 1024} KiB`, () => {
    expect(statSync(tarball).size).toBeLessThan(MAX_TARBALL);
  });

  test('holds exactly what "files" allows, each entry of it, and nothing of tests, sources or maps', () => {
    const allows = (file: string, rule: string) => (rule.endsWith('/') ? file.startsWith(rule) : file === rule);
    const include = pkg.files.filter((rule) => !rule.startsWith('!'));
    const exclude = pkg.files.filter((rule) => rule.startsWith('!')).map((rule) => rule.slice(1));
    const outside = entries.filter((f) => f !== 'package.json' && !include.some((rule) => allows(f, rule)));
    expect(outside).toEqual([]);
    expect(entries.filter((f) => exclude.some((rule) => allows(f, rule)))).toEqual([]);
    for (const rule of include) expect(entries.some((f) => allows(f, rule))).toBe(true);
    const unwanted = entries.filter(
      (f) =>
        /(^|\/)(test|tests|__tests__|fixtures|bench|lib|build)\//.test(f) ||
        /\.(map|tsbuildinfo|tgz|log)$/.test(f) ||
        (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    expect(unwanted).toEqual([]);
  });

  test('dist/ is lib/ compiled, file for file, with declarations and nothing stale', () => {
    const expected = walk(path.join(root, 'lib'))
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .flatMap((f) => [`dist/${f.replace(/\.ts$/, '.js')}`, `dist/${f.replace(/\.ts$/, '.d.ts')}`])
      .sort();
    expect(entries.filter((f) => f.startsWith('dist/'))).toEqual(expected);
  });

  test('native/ is complete with its own binding.gyp, so the package can compile itself; no binding.gyp at the top', () => {
    const expected = walk(path.join(root, 'native'))
      .filter((f) => !f.startsWith('build/'))
      .map((f) => `native/${f}`);
    expect(entries.filter((f) => f.startsWith('native/'))).toEqual(expected.sort());
    expect(entries).toContain('native/binding.gyp');
    // pnpm and yarn take a top-level binding.gyp for an install script, whatever "gypfile" says.
    expect(entries).not.toContain('binding.gyp');
  });

  test('its package.json has no install-time lifecycle script, and "gypfile": false', () => {
    const manifest = JSON.parse(readFileSync(path.join(extracted(), 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
      gypfile?: boolean;
    };
    const installTime = ['preinstall', 'install', 'postinstall', 'prepublish', 'preprepare', 'prepare', 'postprepare'];
    expect(Object.keys(manifest.scripts ?? {}).filter((name) => installTime.includes(name))).toEqual([]);
    expect(manifest.gypfile).toBe(false);
  });

  test(`carries this platform's prebuild (${target}), and every prebuild is for the platform its folder names`, () => {
    const prebuilds = entries.filter((f) => f.startsWith('prebuilds/'));
    expect(prebuilds.some((f) => f.startsWith(`prebuilds/${target}/`) && f.endsWith('.node'))).toBe(true);
    for (const f of prebuilds) {
      expect(f).toMatch(/^prebuilds\/[a-z0-9]+-[a-z0-9]+\/[^/]+\.node$/);
      expect(`${f}: ${binaryTarget(path.join(extracted(), f))}`).toBe(`${f}: ${f.split('/')[1]}`);
    }
  });

  test('main, types, exports and bin all point at files it holds; README and LICENSE are there', () => {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const value of Object.values(pkg.exports)) {
      targets.push(...(typeof value === 'string' ? [value] : Object.values(value)));
    }
    for (const t of targets) expect(entries).toContain(path.posix.normalize(t));
    expect(entries).toContain('README.md');
    expect(entries).toContain('LICENSE');
    for (const bin of Object.values(pkg.bin)) {
      expect(readFileSync(path.join(extracted(), bin), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  });
});

describe('packing refuses a prebuilds/ folder that is not the release', () => {
  /** A fresh copy of the scratch package, with prebuilds/ as given (file -> source file). */
  function variant(name: string, prebuilds: Record<string, string>, version?: string): string {
    const dir = copyPackage(path.join(work, name));
    rmSync(path.join(dir, 'prebuilds'), { recursive: true, force: true });
    for (const [file, from] of Object.entries(prebuilds)) {
      mkdirSync(path.dirname(path.join(dir, 'prebuilds', file)), { recursive: true });
      cpSync(from, path.join(dir, 'prebuilds', file));
    }
    if (version) {
      const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
      manifest.version = version;
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
    }
    return dir;
  }
  const hostBinary = () => path.join(src, 'prebuilds', hostFile);
  // Stand-ins for the binaries this machine cannot build: a real header (ELF
  // e_machine or Mach-O cputype, as the linker writes it), the glibc symbol
  // version a glibc build asks for, and the version stamp. The checker reads
  // nothing else; scripts/prebuild-arm64.sh and the release workflow give it
  // real ones.
  function standIn(file: string, version: string): string {
    const out = path.join(work, 'stand-ins', version, file);
    mkdirSync(path.dirname(out), { recursive: true });
    const body = Buffer.from(
      `\0${file.includes('linux') && !file.includes('musl') ? 'GLIBC_2.17\0' : ''}sockbuf-version=${version}\0`,
    );
    let header: Buffer;
    if (file.startsWith('linux')) {
      header = Buffer.alloc(64);
      header.writeUInt32BE(0x7f454c46, 0);
      header[4] = 2; // 64-bit
      header[5] = 1; // little-endian
      header.writeUInt16LE(3, 16); // ET_DYN
      header.writeUInt16LE(file.includes('arm64') ? 183 : 62, 18);
    } else {
      header = Buffer.alloc(32);
      header.writeUInt32LE(0xfeedfacf, 0);
      header.writeUInt32LE(file.includes('arm64') ? 0x0100000c : 0x01000007, 4);
      header.writeUInt32LE(8, 12); // MH_BUNDLE
    }
    writeFileSync(out, Buffer.concat([header, body]));
    return out;
  }
  const release = (version: string) =>
    Object.fromEntries(SIX.map((f) => [f, f === hostFile ? hostBinary() : standIn(f, version)]));
  const output = (r: Run) => `${r.stdout}\n${r.stderr}`;

  test('the partial pack of this run (SOCKBUF_PACK_PARTIAL=1) named every missing binary', () => {
    const missing = SIX.filter((f) => !entries.includes(`prebuilds/${f}`));
    for (const f of missing) expect(packOutput).toContain(`MISSING prebuilds/${f}`);
    if (missing.length > 0) expect(packOutput).toMatch(/SOCKBUF_PACK_PARTIAL=1: packing \d of 6 binaries/);
  });

  test("a bare npm pack with only this platform's binary: refused, each missing one named, no tarball", () => {
    const res = pack(variant('missing', { [hostFile]: hostBinary() }));
    expect(res.status).not.toBe(0);
    expect(res.tarballs).toEqual([]);
    for (const f of SIX.filter((x) => x !== hostFile)) {
      expect(output(res)).toContain(`MISSING prebuilds/${f}`);
    }
    expect(output(res)).toContain('refusing to pack');
  }, 60_000);

  test('all six, right platforms, this version: packed, all six in the tarball', () => {
    const res = pack(variant('six', release(pkg.version)));
    expect(output(res)).toContain('all 6 binaries present');
    expect(res.status).toBe(0);
    const listed = ok('tar', ['-tzf', path.join(res.dest, res.tarballs[0])], work).stdout;
    for (const f of SIX) expect(listed).toContain(`package/prebuilds/${f}`);
  }, 120_000);

  test('a binary built from another version: refused, even with SOCKBUF_PACK_PARTIAL=1', () => {
    // The real binary says pkg.version; the package now says another one.
    const next = `${pkg.version}-next.1`;
    const res = pack(variant('stale', { ...release(next), [hostFile]: hostBinary() }, next), {
      SOCKBUF_PACK_PARTIAL: '1',
    });
    expect(res.status).not.toBe(0);
    expect(res.tarballs).toEqual([]);
    expect(output(res)).toContain(`prebuilds/${hostFile}: was built from sockbuf ${pkg.version}, not ${next}`);
  }, 60_000);

  test('binaries for the wrong CPU, format or C library: refused, each named, even with SOCKBUF_PACK_PARTIAL=1', () => {
    const [platform, arch] = target.split('-');
    const format = platform === 'darwin' ? 'Mach-O' : 'ELF';
    const otherArch = arch === 'x64' ? 'arm64' : 'x64';
    const otherCpu = `${platform}-${otherArch}/sockbuf.node`;
    const otherFormat = platform === 'darwin' ? 'linux-x64/sockbuf.node' : 'darwin-arm64/sockbuf.node';
    // The other C library's name in this folder (Linux only).
    const otherLibc = hostLibc === 'glibc' ? `${target}/sockbuf.musl.node` : `${target}/sockbuf.node`;
    const res = pack(
      variant('wrong', {
        ...release(pkg.version),
        [otherCpu]: hostBinary(),
        [otherFormat]: hostBinary(),
        ...(hostLibc ? { [otherLibc]: hostBinary() } : {}),
        [`${target}/sockbuf.glibc.node`]: hostBinary(),
      }),
      { SOCKBUF_PACK_PARTIAL: '1' },
    );
    expect(res.status).not.toBe(0);
    expect(res.tarballs).toEqual([]);
    const out = output(res);
    expect(out).toContain(`prebuilds/${otherCpu}: is a ${format} ${arch} binary, expected ${format} ${otherArch}`);
    const expectedFormat = platform === 'darwin' ? 'ELF x64' : 'Mach-O arm64';
    expect(out).toContain(`prebuilds/${otherFormat}: is a ${format} ${arch} binary, expected ${expectedFormat}`);
    if (hostLibc === 'glibc') expect(out).toContain(`prebuilds/${otherLibc}: is linked against glibc`);
    if (hostLibc === 'musl') expect(out).toContain(`prebuilds/${otherLibc}: asks for no GLIBC_ symbol version`);
    expect(out).toContain(`prebuilds/${target}/sockbuf.glibc.node: not one of the six expected files`);
    expect(out).not.toContain(`WRONG prebuilds/${hostFile}`);
  }, 60_000);
});

describe.each([
  ['npm install <tarball> with npm defaults', []],
  ['npm install --ignore-scripts <tarball>', ['--ignore-scripts']],
])('%s', (_title, flags) => {
  const app = () => path.join(work, flags.length ? 'app-ignore-scripts' : 'app-defaults');
  const installed = () => path.join(app(), 'node_modules', pkg.name);

  beforeAll(() => {
    mkdirSync(app());
    writeFileSync(path.join(app(), 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const res = ok('npm', ['install', ...flags, '--no-audit', '--no-fund', tarball], app());
    // Nothing to run, so nothing to warn about (npm 11 lists dependencies'
    // install scripts it did not run, implicit node-gyp ones included).
    expect(`${res.stdout}\n${res.stderr}`).not.toMatch(/install-scripts|allowScripts|node-gyp/);
  }, 120_000);

  test('require("sockbuf") loads the prebuild, nothing was compiled, and socket calls work', () => {
    expect(existsSync(path.join(installed(), 'build'))).toBe(false);
    const prebuild = readdirSync(path.join(installed(), 'prebuilds', target)).filter((f) => f.endsWith('.node'));
    expect(prebuild.length).toBeGreaterThan(0);
    const result = useIt(app());
    expect(result.dir).toBe(installed());
    expect(result.loaded).toHaveLength(1);
    expect(path.dirname(result.loaded[0])).toBe(path.join(installed(), 'prebuilds', target));
    expectWorking(result, result.loaded[0]);
  });

  test('the sockbuf command is installed and runs', () => {
    const bin = path.join(app(), 'node_modules', '.bin', 'sockbuf');
    expect(ok(bin, ['--version'], app()).stdout).toContain(pkg.version);
    const limits = JSON.parse(ok(bin, ['limits', '--json'], app()).stdout) as { platform: string };
    expect(limits.platform).toBe(process.platform);
  });

  test('without prebuilds/, the error names the platform and the npm compile command works as printed', () => {
    rmSync(path.join(installed(), 'prebuilds'), { recursive: true, force: true });
    const err = loadError(app());
    expect(err.code).toBe('ERR_SOCKBUF_NO_BINARY');
    // Uncaught, Node prints the source line that threw: sockbuf's own throw
    // in dist/loadfail.js (the failure paths binding.ts loads only when a
    // load fails), not a bundling helper that rethrew it.
    const uncaught = spawnSync(process.execPath, ['-e', "require('sockbuf')"], { cwd: app(), encoding: 'utf8' });
    expect(uncaught.status).toBe(1);
    expect(uncaught.stderr.split('\n').slice(0, 2).join('\n')).toMatch(
      /dist\/loadfail\.js:\d+\n\s*throw noBinaryError\(/,
    );
    expect(err.message).toContain(`${target}${hostLibc ? ` (${hostLibc})` : ''}`);
    expect(err.message).toContain(process.version);
    const commands = Object.fromEntries(
      err.message
        .split('\n')
        .map((line) => /^\s+(npm|pnpm|yarn|bun):\s+(.*)$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => [m[1], m[2]]),
    );
    expect(Object.keys(commands).sort()).toEqual(['bun', 'npm', 'pnpm', 'yarn']);
    for (const command of Object.values(commands)) {
      expect(command).toContain(JSON.stringify(path.join(installed(), 'native')));
      expect(command).toMatch(/node-gyp@12 rebuild$/);
    }
    if (flags.length > 0) return; // one compile is enough; install-matrix.sh runs each manager's
    // Run exactly as printed, from the project folder, with an empty npm
    // cache, as on a machine that never ran node-gyp through npx: npx must
    // then install it, and must not stop to ask (stdin is no terminal here).
    ok(commands.npm, [], app(), {
      shell: true,
      env: { ...userEnv, npm_config_cache: path.join(work, 'empty-npm-cache') },
    });
    const built = path.join(installed(), 'build', 'Release', 'sockbuf.node');
    expect(existsSync(built)).toBe(true);
    expectWorking(useIt(app()), built);
  }, 180_000);
});
