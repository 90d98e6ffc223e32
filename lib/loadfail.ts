// What lib/binding.ts does when the binary does not load: every message a
// failed load gives, and node-gyp-build's full search. A successful
// require('sockbuf') never loads this file: the bytes of dist/index.js cost
// start-up even where V8 only scans them (about 0.3 ms for these paths and
// libc.ts's reader, by bench/startup.js's paired runs), so binding.ts
// requires it inside the failing branch.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coded } from './errors.js';
import { ErrorCodes } from './codes.js';
import { libc } from './libc.js';
import type { NativeBinding } from './binding.js';

/** True when packageRoot is sockbuf's own folder, not the folder of a bundle. */
function inPackage(packageRoot: string): boolean {
  if (packageRoot === '') return false;
  try {
    return (
      (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { name?: unknown }).name === 'sockbuf'
    );
  } catch {
    return false;
  }
}

function firstLine(cause: unknown): string {
  return cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
}

/** The compile-from-source command for each package manager; native/binding.gyp builds into build/Release. */
function compileCommands(packageRoot: string): string[] {
  const cd = `cd ${JSON.stringify(join(packageRoot, 'native'))} &&`;
  return [
    `npm:  ${cd} npx --yes node-gyp@12 rebuild`,
    `pnpm: ${cd} pnpm dlx node-gyp@12 rebuild`,
    `yarn: ${cd} yarn dlx node-gyp@12 rebuild`,
    `bun:  ${cd} bunx node-gyp@12 rebuild`,
  ];
}

/**
 * No binary for this system: what to do, for an installed package or a
 * bundle. `present`: a file was there but did not load (cause says which and
 * why), which the message then says first.
 */
export function noBinaryError(packageRoot: string, cause: unknown, present = false): Error {
  if (!inPackage(packageRoot)) {
    return coded(
      `sockbuf: its compiled binary was not found: sockbuf seems to be bundled (${
        packageRoot === ''
          ? 'it runs without __dirname'
          : `${JSON.stringify(packageRoot)} is not sockbuf's package folder`
      }, so its prebuilds/ folder is not at hand).\n` +
        `Mark sockbuf as external in the bundler (esbuild: --external:sockbuf), or point SOCKBUF_BINARY at the .node file ` +
        `(for example node_modules/sockbuf/prebuilds/${process.platform}-${process.arch}/sockbuf.node), or call useBinary() from 'sockbuf/binary'.\n` +
        `(${firstLine(cause)})`,
      ErrorCodes.NO_BINARY,
      cause,
    );
  }
  const c = libc();
  const target = `${process.platform}-${process.arch}${c ? ` (${c})` : ''}`;
  return coded(
    (
      (present
        ? `sockbuf: ${firstLine(cause)}.\nThe file is damaged or is not for ${target}: reinstall sockbuf (npm ci, or remove node_modules/sockbuf and install again), or compile it from source as below.\n`
        : `sockbuf: no prebuilt binary matches ${target} on Node ${process.version}, and none was compiled here.\n`) +
      `Compile it from source (needs python3, make and a C++17 compiler) with your package manager's runner:\n` +
      compileCommands(packageRoot)
        .map((line) => `  ${line}\n`)
        .join('') +
      (present ? '' : `(${firstLine(cause)})`)
    ).trimEnd(),
    ErrorCodes.NO_BINARY,
    cause,
  );
}

/** The binary useBinary() or SOCKBUF_BINARY names did not load. */
export function explicitLoadError(origin: string, source: string, err: unknown): Error {
  return coded(
    `sockbuf: cannot load the binary ${origin} names, ${JSON.stringify(source)}: ${firstLine(err)}`,
    ErrorCodes.NO_BINARY,
    err,
  );
}

export function windowsError(): Error {
  return coded(
    'sockbuf is not supported on Windows: Node exposes no file descriptor for TCP and UDP handles there (libuv uses SOCKETs it does not hand out), so there is nothing to call getsockopt/setsockopt on.',
    ErrorCodes.UNAVAILABLE,
  );
}

/** A candidate file that exists but does not load (another libc's or CPU's build, say). */
export function loadFailure(file: string, err: unknown): Error {
  return new Error(`${file} exists but does not load: ${firstLine(err)}`, { cause: err });
}

/** No candidate file loaded: node-gyp-build's full search, in sockbuf's own folder only. */
export function loadFallback(packageRoot: string, failed: Error | undefined): NativeBinding {
  // A bundle's folder is not sockbuf's: node-gyp-build would load whatever
  // addon it finds in build/ there. Only SOCKBUF_BINARY or useBinary() can help.
  if (!inPackage(packageRoot))
    throw noBinaryError(packageRoot, failed ?? new Error(`no sockbuf.node in ${packageRoot}`));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
    return nodeGypBuild(packageRoot);
  } catch (err) {
    throw noBinaryError(packageRoot, failed ?? err, failed !== undefined);
  }
}

/** The binary loaded but lacks what lib calls: a stale build/, or another version's file. */
export function mismatchError(packageRoot: string, loadedFrom: string | undefined): Error {
  return coded(
    loadedFrom === undefined
      ? `sockbuf: the compiled binary in ${packageRoot} does not match this version of sockbuf; rebuild it: cd ${JSON.stringify(join(packageRoot, 'native'))} && npx --yes node-gyp@12 rebuild, then start the program again (a process keeps a binary it has loaded, even if the file is replaced)`
      : `sockbuf: ${loadedFrom} is not a sockbuf binary of this version`,
    ErrorCodes.NO_BINARY,
  );
}

/**
 * What the index's `constants` getter gives while the binary does not load:
 * one object (the same at every read) each use of which (a read, `in`,
 * `Object.keys`, `Object.freeze`, ...) loads the binary and reads the real
 * constants, so it throws the load's error until a load works. The first use
 * that works copies the constants onto the object's own target and freezes
 * it, so from then on it is a frozen copy of the table behind a proxy whose
 * traps forward to it (which keeps every proxy invariant). Node's ES module
 * loader reads `constants` once, at the import, and drops a getter's error:
 * a named import of it would otherwise be `undefined` for good, and a
 * `constants.SO_RCVBUF` a TypeError instead of ERR_SOCKBUF_NO_BINARY.
 * (util.inspect shows a proxy's target without running its traps: `{}`
 * until a load works.)
 */
let standIn: object | undefined;
export function unloadedConstants(constants: () => object): object {
  if (standIn !== undefined) return standIn;
  const table: object = {};
  let copied = false;
  const real = (): object => {
    const made = constants();
    if (!copied) {
      Object.defineProperties(table, Object.getOwnPropertyDescriptors(made));
      Object.freeze(table);
      copied = true;
    }
    return table;
  };
  standIn = new Proxy(table, {
    get: (_t, key) => Reflect.get(real(), key),
    has: (_t, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_t, key) => Reflect.getOwnPropertyDescriptor(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    isExtensible: () => Reflect.isExtensible(real()),
    preventExtensions: () => Reflect.preventExtensions(real()),
    set: (_t, key, value) => Reflect.set(real(), key, value),
    defineProperty: (_t, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
    deleteProperty: (_t, key) => Reflect.deleteProperty(real(), key),
    setPrototypeOf: (_t, proto) => Reflect.setPrototypeOf(real(), proto),
  });
  return standIn;
}
