// The codes of the errors sockbuf defines itself: the only part of
// lib/errors.ts that require('sockbuf') needs (the index hands it out). The
// package's dist/index.js holds this module; errors.ts, which builds the
// errors, loads on the first error (scripts/bundle.js).

/** Codes of the errors sockbuf defines itself (the rest are Node's and the OS's). */
export const ErrorCodes = {
  /** The socket has no file descriptor yet (or none of its own). */
  NO_FD: 'ERR_SOCKBUF_NO_FD',
  /** The socket was closed or destroyed. */
  CLOSED: 'ERR_SOCKBUF_CLOSED',
  /** No compiled binary matches this platform. */
  NO_BINARY: 'ERR_SOCKBUF_NO_BINARY',
  /** The platform or option is not available. */
  UNAVAILABLE: 'ERR_FEATURE_UNAVAILABLE_ON_PLATFORM',
  /** setOption refused a value that would silently break a Node socket (pass { unsafe: true } to set it anyway). */
  UNSAFE_OPTION: 'ERR_SOCKBUF_UNSAFE_OPTION',
  /** The runtime hides the descriptors of its sockets (Deno); fd numbers still work. */
  UNSUPPORTED_RUNTIME: 'ERR_SOCKBUF_UNSUPPORTED_RUNTIME',
} as const;
