// `sockbuf/binary`: tells the loader which compiled binary to use, for
// programs whose bundler moved sockbuf away from its prebuilds/ folder. This
// module loads nothing itself, so importing it before sockbuf costs nothing.
import { resolve } from 'node:path';
import { coded, invalidArgType } from './errors.js';
import { binaryRequest } from './runtime.js';

/** What the loader will use: a path to a .node file, or an addon already loaded. */
export type BinarySource = string | object;

/**
 * Makes sockbuf load its binary from `source`: the path of a `sockbuf.node`
 * file (relative paths are taken from the current directory), or the module a
 * `require()` of that file returned. It takes precedence over the
 * SOCKBUF_BINARY environment variable. Call it before sockbuf chooses its
 * binary, which the first `require('sockbuf')` does (in ESM, from a module
 * imported before sockbuf). Throws ERR_INVALID_STATE once the binary is
 * chosen. After a require or a call that failed to load one (a bad path, a
 * damaged file), it may be called again.
 */
export function useBinary(source: BinarySource): void {
  if (typeof source === 'string') {
    if (source === '') throw invalidArgType('source', 'a path to a .node file or a loaded addon', source);
  } else if (typeof source !== 'object' || source === null) {
    throw invalidArgType('source', 'a path to a .node file or a loaded addon', source);
  }
  const request = binaryRequest();
  if (request.loaded) {
    throw coded(
      'sockbuf has chosen its binary already: call useBinary() before the first require of sockbuf (in ESM, from a module imported before it)',
      'ERR_INVALID_STATE',
    );
  }
  request.source = typeof source === 'string' ? resolve(source) : source;
}
