// The package as users get it: `npm pack` (whose prepack compiles dist/ and
// this platform's prebuild), then the tarball installed into fresh projects
// with npm's own defaults (dependency install scripts blocked) and with
// --ignore-scripts. The prebuild must load without anything being compiled,
// and without prebuilds/ the error must name the platform and two ways out
// that really work.
//
// The pack runs in a scratch copy of the package: prepack runs
// `node-gyp rebuild` in place, and the other test files use ./build.
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
const loaded = process.platform === 'linux'
  ? [...new Set(fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/).pop()).filter((f) => f.endsWith('.node')))]
  : [require('node-gyp-build').resolve(dir)];
const udp = dgram.createSocket('udp4');
udp.bind(0, '127.0.0.1', () => {
  const report = s.setRecvBufferSize(udp, 100000);
  const sizes = s.getBufferSizes(udp);
  const server = net.createServer();
  server.listen(0, '127.0.0.1', () => {
    const client = net.connect(server.address().port, '127.0.0.1', () => {
      const tcpType = s.getsockopt(client, s.constants.SOL_SOCKET, s.constants.SO_TYPE);
      let badFd;
      try { s.getsockopt(2147483000, s.constants.SOL_SOCKET, s.constants.SO_TYPE); } catch (err) { badFd = err.code; }
      console.log(JSON.stringify({ dir, loaded, report, sizes, tcpIsStream: tcpType === s.constants.SOCK_STREAM, badFd }));
      client.destroy(); server.close(); udp.close();
    });
  });
});
`;

interface UseResult {
  dir: string;
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

/** The command printed on the line after "<n>." in the error message. */
function commandAfter(message: string, n: number): string {
  const lines = message.split('\n');
  const at = lines.findIndex((line) => line.trimStart().startsWith(`${n}.`));
  expect(at).toBeGreaterThanOrEqual(0);
  return (lines[at + 1] ?? '').trim();
}

let work = '';
let tarball = '';
let entries: string[] = [];
const extracted = () => path.join(work, 'extracted', 'package');

beforeAll(() => {
  // realpath: macOS's tmpdir is a symlink, and require.resolve answers real paths.
  work = realpathSync(mkdtempSync(path.join(tmpdir(), 'sockbuf-package-test-')));
  const src = path.join(work, 'src');
  const skip = new Set(['node_modules', 'build', 'dist', 'coverage', '.git', '.jest-results.json']);
  cpSync(root, src, {
    recursive: true,
    filter: (from) => {
      const rel = path.relative(root, from);
      const top = rel.split(path.sep)[0];
      return rel === '' || (!skip.has(top) && !top.startsWith('build-') && !top.endsWith('.tgz'));
    },
  });
  symlinkSync(path.join(root, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const dest = path.join(work, 'tarball');
  mkdirSync(dest);
  ok('npm', ['pack', '--pack-destination', dest], src);
  const tgz = readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  expect(tgz).toEqual([`${pkg.name}-${pkg.version}.tgz`]);
  tarball = path.join(dest, tgz[0]);
  entries = ok('tar', ['-tzf', tarball], work)
    .stdout.split('\n')
    .filter((line) => line !== '' && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''))
    .sort();
  mkdirSync(path.join(work, 'extracted'));
  ok('tar', ['-xzf', tarball, '-C', path.join(work, 'extracted')], work);
}, 180_000);

afterAll(() => {
  if (work && !process.env.KEEP_PACKAGE_TEST) rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  test(`is under ${MAX_TARBALL / 1024} KiB`, () => {
    expect(statSync(tarball).size).toBeLessThan(MAX_TARBALL);
  });

  test('holds exactly what "files" allows, each entry of it, and nothing of tests, sources or maps', () => {
    const allows = (file: string, rule: string) => (rule.endsWith('/') ? file.startsWith(rule) : file === rule);
    const outside = entries.filter((f) => f !== 'package.json' && !pkg.files.some((rule) => allows(f, rule)));
    expect(outside).toEqual([]);
    for (const rule of pkg.files) expect(entries.some((f) => allows(f, rule))).toBe(true);
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

  test('native/ and binding.gyp are complete, so the package can compile itself', () => {
    const expected = walk(path.join(root, 'native')).map((f) => `native/${f}`);
    expect(entries.filter((f) => f.startsWith('native/'))).toEqual(expected.sort());
    expect(entries).toContain('binding.gyp');
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

describe.each([
  ['npm install <tarball> with npm defaults (install scripts blocked)', []],
  ['npm install --ignore-scripts <tarball>', ['--ignore-scripts']],
])('%s', (_title, flags) => {
  const app = () => path.join(work, flags.length ? 'app-ignore-scripts' : 'app-defaults');
  const installed = () => path.join(app(), 'node_modules', pkg.name);

  beforeAll(() => {
    mkdirSync(app());
    writeFileSync(path.join(app(), 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    const res = ok('npm', ['install', ...flags, '--no-audit', '--no-fund', tarball], app());
    if (flags.length === 0) {
      // npm says it skipped sockbuf's install script: scripts were blocked.
      expect(`${res.stdout}\n${res.stderr}`).toMatch(new RegExp(`install-scripts\\s+${pkg.name}@${pkg.version}`));
    }
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

  test(
    flags.length === 0
      ? 'without prebuilds/, the error names the platform and way 1 (approve the install script) works as printed'
      : 'without prebuilds/, the error names the platform and way 2 (compile from source) works as printed',
    () => {
      rmSync(path.join(installed(), 'prebuilds'), { recursive: true, force: true });
      const err = loadError(app());
      expect(err.code).toBe('ERR_SOCKBUF_NO_BINARY');
      const libc =
        process.platform === 'linux'
          ? (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
            ? ' (glibc)'
            : ' (musl)'
          : '';
      expect(err.message).toContain(`${target}${libc}`);
      expect(err.message).toContain(process.version);
      expect(err.message).toContain(installed());
      const approve = commandAfter(err.message, 1);
      const compile = commandAfter(err.message, 2);
      expect(approve).toMatch(/npm install-scripts approve sockbuf/);
      expect(compile).toMatch(/node-gyp rebuild/);
      // Run the way this install calls for, exactly as printed, from the
      // project folder, as a user would paste it. Way 2 gets an empty npm
      // cache, as on a machine that never ran node-gyp through npx: npx must
      // then install it, and must not stop to ask (stdin is no terminal here,
      // and npm's `yes` setting may be false).
      const command = flags.length === 0 ? approve : compile;
      const env = flags.length === 0 ? userEnv : { ...userEnv, npm_config_cache: path.join(work, 'empty-npm-cache') };
      ok(command, [], app(), { shell: true, env });
      const built = path.join(installed(), 'build', 'Release', 'sockbuf.node');
      expect(existsSync(built)).toBe(true);
      expectWorking(useIt(app()), built);
    },
    120_000,
  );
});
