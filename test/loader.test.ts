// Which binary the loader picks in the released layout, where
// prebuilds/linux-<arch>/ holds both sockbuf.node (glibc) and
// sockbuf.musl.node (prebuildify --tag-libc). The choice is made by the C
// library of the process, before any file is tried: a musl process maps the
// musl file first, a glibc process the glibc file, and a glibc process maps
// the musl file only when the glibc one does not load.
// Both files here are copies of this machine's binary, so either would load:
// /proc/self/maps tells which one the loader chose.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { looksGlibc } from '../lib/runtime';
import { libc } from '../lib/libc';
import { pythonSync } from './helpers';
import { binaryName, makeProject, ok, target, userEnv } from './installed';

let project = '';
let dir = '';

const glibcFile = (): string => path.join(dir, 'sockbuf.node');
const muslFile = (): string => path.join(dir, 'sockbuf.musl.node');

beforeAll(() => {
  project = makeProject('sockbuf-loader-');
  dir = path.join(project, 'node_modules', 'sockbuf', 'prebuilds', target);
  // Both names, holding this machine's binary.
  if (binaryName === 'sockbuf.node') copyFileSync(glibcFile(), muslFile());
  else copyFileSync(muslFile(), glibcFile());
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

const mapped = `
const s = require('sockbuf');
const dgram = require('node:dgram');
const u = dgram.createSocket('udp4');
u.bind(0, '127.0.0.1', () => {
  const works = s.getRecvBufferSize(u) === u.getRecvBufferSize();
  const loaded = [...new Set(require('node:fs').readFileSync('/proc/self/maps', 'utf8').split('\\n').map((l) => l.split(/\\s+/).pop()).filter((f) => f.endsWith('.node')))];
  console.log(JSON.stringify({ works, loaded }));
  u.close();
});`;

function load(env: NodeJS.ProcessEnv = {}): { works: boolean; loaded: string[] } {
  const res = ok(process.execPath, ['-e', mapped], project, { env: { ...userEnv, ...env } });
  return JSON.parse(res.stdout) as { works: boolean; loaded: string[] };
}

test("this process's C library, read from the executable's ELF interpreter, agrees with process.report", () => {
  const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
  expect(libc()).toBe(header.glibcVersionRuntime ? 'glibc' : 'musl');
});

test('released layout: this process loads the file of its own C library, never the other one', () => {
  expect(load()).toEqual({ works: true, loaded: [libc() === 'musl' ? muslFile() : glibcFile()] });
});

test('released layout as a glibc process sees it (LIBC=glibc, as node-gyp-build reads it): sockbuf.node only', () => {
  expect(load({ LIBC: 'glibc' })).toEqual({ works: true, loaded: [glibcFile()] });
});

test('released layout as a musl process sees it (LIBC=musl): sockbuf.musl.node first', () => {
  expect(load({ LIBC: 'musl' })).toEqual({ works: true, loaded: [muslFile()] });
});

test('a musl process with only the glibc file (an older package) still tries it', () => {
  rmSync(muslFile());
  try {
    expect(load({ LIBC: 'musl' })).toEqual({ works: true, loaded: [glibcFile()] });
  } finally {
    copyFileSync(glibcFile(), muslFile());
  }
});

const onGlibc = libc() === 'glibc' ? test : test.skip;

onGlibc('a glibc process whose glibc file does not load tries the musl file after it', () => {
  // A damaged or foreign glibc file: the musl one is the last candidate.
  copyFileSync(glibcFile(), `${glibcFile()}.keep`);
  writeFileSync(glibcFile(), 'not an ELF file');
  try {
    expect(load()).toEqual({ works: true, loaded: [muslFile()] });
  } finally {
    copyFileSync(`${glibcFile()}.keep`, glibcFile());
    rmSync(`${glibcFile()}.keep`);
  }
});

const hasStrace = spawnSync('strace', ['-V']).status === 0;
(hasStrace && looksGlibc() ? test : test.skip)(
  "with glibc's loader at its usual path and no musl loader, require reads no byte of the executable to choose a file",
  () => {
    // libc() opens the executable and reads its ELF header: about 1 ms of
    // first-use work in Node's fs and Buffer code at every require.
    const dir = mkdtempSync(path.join(tmpdir(), 'sockbuf-loader-strace-'));
    try {
      const opens = (script: string): number => {
        const log = path.join(dir, 'trace');
        const res = spawnSync(
          'strace',
          ['-f', '-qq', '-e', 'trace=open,openat', '-o', log, process.execPath, '-e', script],
          { cwd: project, encoding: 'utf8', env: userEnv, timeout: 30_000 },
        );
        expect(res.status).toBe(0);
        const exe = realpathSync(process.execPath);
        return readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line.includes(`"${exe}"`) || line.includes(`"${process.execPath}"`)).length;
      };
      // The released layout has the musl file, so the choice is made here.
      const baseline = opens("require('node:fs'); require('node:dgram');");
      expect(opens("require('sockbuf'); require('node:dgram');")).toBe(baseline);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('a require retried after a failed one reads LIBC as it is then: the message names the C library each try saw', () => {
  const bare = makeProject('sockbuf-libc-retry-');
  try {
    rmSync(path.join(bare, 'node_modules', 'sockbuf', 'prebuilds'), { recursive: true, force: true });
    const script = `const attempt = (c) => {
        process.env.LIBC = c;
        try { require('sockbuf'); return 'loaded'; } catch (e) { return e.code + ' ' + (/matches \\S+ \\((\\w+)\\)/.exec(e.message) || [])[1]; }
      };
      console.log(JSON.stringify([attempt('glibc'), attempt('musl'), attempt('glibc')]));`;
    const res = ok(process.execPath, ['-e', script], bare, { env: userEnv });
    expect(JSON.parse(res.stdout)).toEqual([
      'ERR_SOCKBUF_NO_BINARY glibc',
      'ERR_SOCKBUF_NO_BINARY musl',
      'ERR_SOCKBUF_NO_BINARY glibc',
    ]);
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

// The binary loads at the first call that needs it. What require() can tell
// without loading (no file for this platform, a bundle naming none, Windows)
// still fails there; a file that is there but does not load, or is not this
// version's binary, fails at the first call, with the same error, and at
// every call after it until one loads (nothing is left half loaded).
describe('a binary that is there but does not load: require works, each call throws until one loads', () => {
  // sockopt (a devDependency the bench compares with) is compiled by npm ci.
  const sockoptBinary = path.join(__dirname, '..', 'node_modules', 'sockopt', 'build', 'Release', 'sockopt.node');
  const cases: Array<[string, (file: string) => void, RegExp]> = [
    [
      'a damaged file',
      (file) => writeFileSync(file, 'not an ELF file'),
      /not an ELF file|invalid ELF header|file too short/,
    ],
    [
      "another addon (an N-API binary, not sockbuf's)",
      (file) => copyFileSync(sockoptBinary, file),
      /does not match this version of sockbuf/,
    ],
  ];
  test.each(cases)('%s', (_name, spoil, message) => {
    if (message.source.includes('does not match')) expect(existsSync(sockoptBinary)).toBe(true);
    const bare = makeProject('sockbuf-lazy-fail-');
    const good = path.join(bare, 'good.node');
    try {
      const files = path.join(bare, 'node_modules', 'sockbuf', 'prebuilds', target);
      copyFileSync(path.join(files, binaryName), good);
      for (const name of ['sockbuf.node', 'sockbuf.musl.node']) spoil(path.join(files, name));
      const script = `const steps = [];
        const sockbuf = require('sockbuf');
        steps.push('required');
        const { useBinary } = require('sockbuf/binary');
        try { useBinary(${JSON.stringify(good)}); steps.push('accepted'); } catch (e) { steps.push(e.code); }
        const dgram = require('node:dgram');
        const u = dgram.createSocket('udp4');
        u.bind(0, '127.0.0.1', () => {
          const messages = [];
          for (const call of [() => sockbuf.getRecvBufferSize(u), () => sockbuf.getRecvBufferSize(u), () => sockbuf.constants.SO_RCVBUF]) {
            try { call(); steps.push('worked'); } catch (e) { steps.push(e.code); messages.push(e.message); }
          }
          try { useBinary(${JSON.stringify(good)}); steps.push('accepted'); } catch (e) { steps.push(e.code); }
          steps.push(sockbuf.getRecvBufferSize(u) === u.getRecvBufferSize());
          try { useBinary(${JSON.stringify(good)}); steps.push('accepted'); } catch (e) { steps.push(e.code); }
          console.log(JSON.stringify({ steps, messages }));
          u.close();
        });`;
      const res = ok(process.execPath, ['-e', script], bare, { env: userEnv });
      const out = JSON.parse(res.stdout) as { steps: unknown[]; messages: string[] };
      expect(out.steps).toEqual([
        'required',
        // The choice is made at require: useBinary() is refused, as before.
        'ERR_INVALID_STATE',
        'ERR_SOCKBUF_NO_BINARY',
        'ERR_SOCKBUF_NO_BINARY',
        'ERR_SOCKBUF_NO_BINARY',
        // A failed load lifts that: the binary it names is loaded by the next call.
        'accepted',
        true,
        'ERR_INVALID_STATE',
      ]);
      for (const m of out.messages) expect(m).toMatch(message);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});

/** A project whose two prebuilds are damaged; `good` is a copy of the real binary beside it. */
function damagedProject(prefix: string): { bare: string; good: string } {
  const bare = makeProject(prefix);
  const good = path.join(bare, 'good.node');
  const files = path.join(bare, 'node_modules', 'sockbuf', 'prebuilds', target);
  copyFileSync(path.join(files, binaryName), good);
  for (const name of ['sockbuf.node', 'sockbuf.musl.node']) writeFileSync(path.join(files, name), 'not an ELF file');
  return { bare, good };
}

test('ES module import with a binary that does not load: the import works, `constants` (named too) throws the code at each use and reads through once a binary loads; the promise functions reject', () => {
  const { bare, good } = damagedProject('sockbuf-lazy-esm-');
  try {
    const file = path.join(bare, 'main.mjs');
    writeFileSync(
      file,
      `import sockbuf, { constants, recommendUdpBuffer, getRecvBufferSize } from 'sockbuf';
      import { useBinary } from 'sockbuf/binary';
      import dgram from 'node:dgram';
      const steps = [];
      const code = (f) => { try { return f(); } catch (e) { return e.code; } };
      steps.push(code(() => constants.SO_RCVBUF), code(() => sockbuf.constants.SOL_SOCKET), code(() => Object.keys(constants).length));
      // One stand-in; freezing it is a use like any other (and does not break it).
      steps.push(constants === sockbuf.constants && sockbuf.constants === sockbuf.constants, code(() => Object.freeze(constants)), code(() => Object.isFrozen(constants)));
      let sync = 'returned';
      const p = (() => { try { return recommendUdpBuffer({ rate: 1000, payload: 100, pause: 0.1 }); } catch (e) { sync = 'threw ' + e.code; } })();
      steps.push(sync, await p.then(() => 'resolved', (e) => 'rejected ' + e.code));
      useBinary(${JSON.stringify(good)});
      steps.push(constants.SO_RCVBUF, constants === sockbuf.constants || 'stand-in');
      // After the load the stand-in is a frozen copy of the table, with its prototype.
      const table = sockbuf.constants;
      steps.push(JSON.stringify(constants) === JSON.stringify(table), Object.isFrozen(constants) && Object.isFrozen(table), Object.getPrototypeOf(constants) === Object.getPrototypeOf(table), Object.freeze(constants) === constants);
      const u = dgram.createSocket('udp4');
      await new Promise((r) => u.bind(0, '127.0.0.1', r));
      steps.push(getRecvBufferSize(u) === u.getRecvBufferSize());
      u.close();
      console.log(JSON.stringify(steps));`,
    );
    const res = ok(process.execPath, [file], bare, { env: userEnv });
    const so = pythonSync(['-c', 'import socket; print(socket.SO_RCVBUF)'], { encoding: 'utf8' });
    expect(JSON.parse(res.stdout)).toEqual([
      'ERR_SOCKBUF_NO_BINARY',
      'ERR_SOCKBUF_NO_BINARY',
      'ERR_SOCKBUF_NO_BINARY',
      true,
      'ERR_SOCKBUF_NO_BINARY',
      'ERR_SOCKBUF_NO_BINARY',
      'returned',
      'rejected ERR_SOCKBUF_NO_BINARY',
      Number(so.stdout.trim()),
      // The named import is the stand-in the import saw; the default's getter now gives the table itself.
      'stand-in',
      true,
      true,
      true,
      true,
      true,
    ]);
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

test("the CLI with a binary that does not load: --help and --version work; a command prints the loader's message once, with the code, and no stack trace", () => {
  const { bare } = damagedProject('sockbuf-lazy-cli-');
  try {
    const cli = path.join(bare, 'node_modules', 'sockbuf', 'dist', 'cli.js');
    const help = spawnSync(process.execPath, [cli, '--help'], { cwd: bare, encoding: 'utf8', env: userEnv });
    expect([help.status, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('Usage: sockbuf');
    const version = spawnSync(process.execPath, [cli, '--version'], { cwd: bare, encoding: 'utf8', env: userEnv });
    expect([version.status, version.stderr]).toEqual([0, '']);
    const limits = spawnSync(process.execPath, [cli, 'limits'], { cwd: bare, encoding: 'utf8', env: userEnv });
    expect(limits.status).toBe(1);
    // The loader's message (what to run, on several lines), once, with no stack trace.
    expect(limits.stderr).toMatch(
      /^sockbuf: \S+sockbuf\.node exists but does not load: [^\n]*\.\nThe file is damaged or is not for [^]*rebuild \[ERR_SOCKBUF_NO_BINARY\]\n$/,
    );
    expect(limits.stderr).not.toMatch(/^\s+at /m);
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});
