#ifndef SOCKBUF_CONSTANTS_H_
#define SOCKBUF_CONSTANTS_H_

#include <napi.h>

namespace sockbuf {

// Fills `target` with every socket constant the system headers define.
// A name the platform lacks is left out: never a guessed number.
void AddConstants(Napi::Env env, Napi::Object target);

}  // namespace sockbuf

#endif  // SOCKBUF_CONSTANTS_H_
