#ifndef SOCKBUF_CONSTANTS_H_
#define SOCKBUF_CONSTANTS_H_

#include <napi.h>

#include <cstddef>

namespace sockbuf {

// One socket constant of the system headers.
struct ConstantEntry {
  const char* name;
  double value;
};

// The constants of this platform's own headers that constants.cc cannot
// test with #ifdef (enums: SK_MEMINFO_* on Linux); none on macOS.
const ConstantEntry* PlatformConstants(size_t* count);

// Exports makeConstants() (every constant the system headers define, as a
// new object; a name the platform lacks is left out, never a guessed
// number) and constant(name) (one of them, or undefined).
void AddConstantFunctions(Napi::Env env, Napi::Object exports);

}  // namespace sockbuf

#endif  // SOCKBUF_CONSTANTS_H_
