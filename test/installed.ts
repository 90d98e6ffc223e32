// sockbuf laid out the way `npm install` leaves it in a project: the files
// package.json lists, with this machine's binary in prebuilds/ (the released
// layout, no build/ folder), under node_modules/sockbuf of a scratch project.
// The consumer and bundler tests build and run their programs there.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { libc } from '../lib/libc';

export const root = path.join(__dirname, '..');
export const target = `${process.platform}-${process.arch}`;
/** The prebuild's file name for this process: prebuildify --tag-libc names the musl one. */
export const binaryName = libc() === 'musl' ? 'sockbuf.musl.node' : 'sockbuf.node';

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a user's shell: no npm_*, no NODE_OPTIONS, no loader overrides. */
export const userEnv: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) =>
      !/^npm_/i.test(key) && !['NODE_OPTIONS', 'PREBUILDS_ONLY', 'SOCKBUF_BINARY', 'LIBC', 'INIT_CWD'].includes(key),
  ),
);

export function run(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}): Run {
  const res = spawnSync(cmd, args, { cwd, env: userEnv, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, ...options });
  if (res.error) throw res.error;
  return { status: res.status, stdout: String(res.stdout), stderr: String(res.stderr) };
}

/** Runs a command and throws with its output when it fails. */
export function ok(cmd: string, args: string[], cwd: string, options: SpawnSyncOptions = {}): Run {
  const res = run(cmd, args, cwd, options);
  if (res.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) exited ${res.status}\n${res.stdout.slice(-4000)}\n${res.stderr.slice(-4000)}`,
    );
  }
  return res;
}

/**
 * A scratch project with sockbuf installed from this checkout (dist/ must be
 * built, and build/Release/sockbuf.node compiled). Returns its folder.
 */
export function makeProject(prefix: string): string {
  // This machine's binary: a local build, or (in CI jobs that test the
  // prebuild and remove build/) the prebuild for this platform and libc.
  const binary = [
    path.join(root, 'build', 'Release', 'sockbuf.node'),
    path.join(root, 'prebuilds', target, binaryName),
  ].find((file) => existsSync(file));
  if (binary === undefined || !existsSync(path.join(root, 'dist', 'index.js'))) {
    throw new Error(
      `build/Release/sockbuf.node (or prebuilds/${target}/${binaryName}) and dist/ are needed: run npm ci`,
    );
  }
  const project = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  const pkgDir = path.join(project, 'node_modules', 'sockbuf');
  mkdirSync(pkgDir, { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
  for (const entry of [...pkg.files, 'package.json']) {
    const from = path.join(root, entry);
    if (existsSync(from)) cpSync(from, path.join(pkgDir, entry), { recursive: true });
  }
  mkdirSync(path.join(pkgDir, 'prebuilds', target), { recursive: true });
  copyFileSync(binary, path.join(pkgDir, 'prebuilds', target, binaryName));
  // Its runtime dependency, and Node's types for the TypeScript consumers.
  symlinkSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(project, 'node_modules', 'node-gyp-build'));
  symlinkSync(path.join(root, 'node_modules', '@types'), path.join(project, 'node_modules', '@types'));
  return project;
}

/** tsc from this repository's devDependencies. */
export const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
