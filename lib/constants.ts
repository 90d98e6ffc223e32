// The platform's socket constants (from the system headers, via the addon),
// typed by name. Their names, and the reverse lookup that names a
// level/option pair in messages, are in lib/constant-names.ts.
import { native } from './binding.js';
import type { CommonConstantName, PlatformConstantName } from './constant-names.js';

export type { CommonConstantName, ConstantName, PlatformConstantName } from './constant-names.js';

/**
 * Socket constants of this platform. A misspelled name is a compile error;
 * a name this platform lacks is `undefined`, never a guessed number.
 */
export type Constants = { readonly [K in CommonConstantName]: number } & {
  readonly [K in PlatformConstantName]: number | undefined;
};

/**
 * Socket constants of this platform: SOL_*, SO_*, IPPROTO_*, TCP_*, UDP_*,
 * IP_*, IPV6_*, SK_MEMINFO_*, AF_*, SOCK_*, SIOC* and FIONREAD. A constant
 * the platform does not define is absent (undefined), never a guessed number.
 */
// The addon adds its ~240 properties one at a time, which leaves the object
// in V8's dictionary mode: each `constants.SO_RCVBUF` in a caller's hot loop
// would then be a hash lookup (~15 ns, bench/run.js). V8 turns a prototype
// object into fast mode in one step when a call site's cached read of it
// settles (after some tens of reads of a hot call site; a loop that reads it
// a few times in one call may not get there), so the object is made the
// prototype of a throwaway object here: that costs microseconds, where
// copying it into a new fast object costs ~0.7 ms of start-up.
// (test/loading.test.ts checks the mode; an engine without this behaviour
// keeps the object as it is, with the same values.)
Object.create(native.constants);
export const constants: Constants = Object.freeze(native.constants) as unknown as Constants;
