// Per-OS primitives. Each function returns 0 on success or a positive errno
// value, never throws and never touches memory it was not handed.
#ifndef SOCKBUF_PLATFORM_H_
#define SOCKBUF_PLATFORM_H_

#include <napi.h>

#include <cstdint>

namespace sockbuf {

// Which kernel queue QueuedBytes reads: kSend is every byte not yet
// acknowledged (TCP) or not yet handed to the device (UDP), kUnsent the part
// of it never sent (TCP only; ENOTTY/ENOTSUP elsewhere).
enum class Queue : int32_t { kReceive = 0, kSend = 1, kUnsent = 2 };

// Bytes waiting in the socket's receive or send queue.
int QueuedBytes(int fd, Queue queue, int32_t* out);

// Adds the struct layouts only this OS has (SK_MEMINFO's size, struct ucred).
// Its constants that #ifdef cannot see are PlatformConstants() (constants.h).
void AddPlatformLayout(Napi::Env env, Napi::Object layout);

// Adds OS-only functions (sysctl on macOS) to the exports.
void AddPlatformFunctions(Napi::Env env, Napi::Object exports);

}  // namespace sockbuf

#endif  // SOCKBUF_PLATFORM_H_
