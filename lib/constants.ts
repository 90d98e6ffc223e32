// The platform's socket constants (from the system headers, via the addon),
// typed by name. Their names, and the reverse lookup that names a
// level/option pair in messages, are in lib/constant-names.ts.
import { loadNative } from './binding.js';
import type { CommonConstantName, PlatformConstantName } from './constant-names.js';

export type { CommonConstantName, ConstantName, PlatformConstantName } from './constant-names.js';

/**
 * Socket constants of this platform. A misspelled name is a compile error;
 * a name this platform lacks is `undefined`, never a guessed number.
 */
export type Constants = { readonly [K in CommonConstantName]: number } & {
  readonly [K in PlatformConstantName]: number | undefined;
};

// What the binary offers (a binary of sockbuf 0.1 had `constants` instead
// of makeConstants and constant; the fallbacks below read it).
interface ConstantsBinding {
  makeConstants?(): Record<string, number>;
  constant?(name: string): number | undefined;
  readonly constants?: Record<string, number>;
}
type Binding = ReturnType<typeof loadNative> & ConstantsBinding;

let made: Constants | undefined;

/**
 * Socket constants of this platform: SOL_*, SO_*, IPPROTO_*, TCP_*, UDP_*,
 * IP_*, IPV6_*, SK_MEMINFO_*, AF_*, SOCK_*, SIOC* and FIONREAD. A constant
 * the platform does not define is absent (undefined), never a guessed number.
 *
 * Made on the first call (the index's `constants` getter, or a module that
 * needs the whole table): ~240 properties cost about 0.3 ms, which a
 * require('sockbuf') no longer pays. sockbuf's own modules read the few
 * they need with constant().
 */
export function getConstants(): Constants {
  if (made === undefined) {
    const binding = loadNative() as Binding;
    const table = binding.makeConstants !== undefined ? binding.makeConstants() : binding.constants!;
    // The object gets its ~240 properties one at a time, which leaves it in
    // V8's dictionary mode: each `constants.SO_RCVBUF` in a caller's hot
    // loop would then be a hash lookup (~15 ns, bench/run.js). V8 turns a
    // prototype object into fast mode in one step when a call site's cached
    // read of it settles (after some tens of reads of a hot call site; a
    // loop that reads it a few times in one call may not get there), so the
    // object is made the prototype of a throwaway object here: that costs
    // microseconds, where copying it into a new fast object costs ~0.7 ms.
    // (test/loading.test.ts checks the mode; an engine without this
    // behaviour keeps the object as it is, with the same values.)
    Object.create(table);
    made = Object.freeze(table) as unknown as Constants;
  }
  return made;
}

/** One constant (undefined where the platform lacks it), without making the whole table. */
export function constant<N extends keyof Constants>(name: N): Constants[N] {
  if (made !== undefined) return made[name];
  const binding = loadNative() as Binding;
  const value = binding.constant !== undefined ? binding.constant(name) : binding.constants![name];
  return value as Constants[N];
}
