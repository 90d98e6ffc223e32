// macOS: queue sizes through FIONREAD and SO_NWRITE, and integer sysctls by
// name (kern.ipc.maxsockbuf, net.inet.tcp.*, net.inet.udp.*).
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "constants.h"
#include "platform.h"

namespace sockbuf {

int QueuedBytes(int fd, Queue queue, int32_t* out) {
  int value = 0;
  // macOS has no count of the never-sent bytes alone.
  if (queue == Queue::kUnsent) return ENOTSUP;
  if (queue == Queue::kReceive) {
    if (ioctl(fd, FIONREAD, &value) != 0) return errno;
  } else {
    socklen_t len = sizeof(value);
    if (getsockopt(fd, SOL_SOCKET, SO_NWRITE, &value, &len) != 0) return errno;
  }
  *out = value;
  return 0;
}

const ConstantEntry* PlatformConstants(size_t* count) {
  *count = 0;
  return nullptr;
}

void AddPlatformLayout(Napi::Env, Napi::Object) {}

namespace {

// sysctl(name) -> number | undefined (missing or non-integer entry).
Napi::Value Sysctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "argument 1 must be a string");
    return Napi::Value();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  unsigned char buf[8];
  std::memset(buf, 0, sizeof(buf));
  size_t len = sizeof(buf);
  if (sysctlbyname(name.c_str(), buf, &len, nullptr, 0) != 0) {
    return env.Undefined();
  }
  if (len == sizeof(int32_t)) {
    int32_t v;
    std::memcpy(&v, buf, sizeof(v));
    return Napi::Number::New(env, v);
  }
  if (len == sizeof(int64_t)) {
    int64_t v;
    std::memcpy(&v, buf, sizeof(v));
    return Napi::Number::New(env, static_cast<double>(v));
  }
  return env.Undefined();
}

}  // namespace

void AddPlatformFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("sysctl", Napi::Function::New(env, Sysctl, "sysctl"));
}

}  // namespace sockbuf
