// Linux: queue sizes through SIOCINQ/SIOCOUTQ/SIOCOUTQNSD, and the SO_MEMINFO
// indexes, which linux/sock_diag.h declares as an enum that #ifdef cannot see.
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstddef>

#include "constants.h"
#include "platform.h"
#include "put.h"

namespace sockbuf {

namespace {

// struct ucred, the value of SO_PEERCRED, for the option catalog.
void AddUcredLayout(Napi::Env env, Napi::Object layout) {
  Napi::Object ucred = Napi::Object::New(env);
  Put(env, ucred, "size", static_cast<double>(sizeof(struct ucred)));
  Put(env, ucred, "pidOffset",
      static_cast<double>(offsetof(struct ucred, pid)));
  Put(env, ucred, "uidOffset",
      static_cast<double>(offsetof(struct ucred, uid)));
  Put(env, ucred, "gidOffset",
      static_cast<double>(offsetof(struct ucred, gid)));
  Put(env, layout, "ucred", ucred);
}

}  // namespace

int QueuedBytes(int fd, Queue queue, int32_t* out) {
  int value = 0;
  unsigned long request = queue == Queue::kReceive ? SIOCINQ
                          : queue == Queue::kSend  ? SIOCOUTQ
                                                   : SIOCOUTQNSD;
  if (ioctl(fd, request, &value) != 0) return errno;
  *out = value;
  return 0;
}

const ConstantEntry* PlatformConstants(size_t* count) {
#define SOCKBUF_SET(name) \
  { #name, static_cast < double>(name) }
  static const ConstantEntry kMeminfo[] = {
      SOCKBUF_SET(SK_MEMINFO_RMEM_ALLOC), SOCKBUF_SET(SK_MEMINFO_RCVBUF),
      SOCKBUF_SET(SK_MEMINFO_WMEM_ALLOC), SOCKBUF_SET(SK_MEMINFO_SNDBUF),
      SOCKBUF_SET(SK_MEMINFO_FWD_ALLOC),  SOCKBUF_SET(SK_MEMINFO_WMEM_QUEUED),
      SOCKBUF_SET(SK_MEMINFO_OPTMEM),     SOCKBUF_SET(SK_MEMINFO_BACKLOG),
      SOCKBUF_SET(SK_MEMINFO_DROPS),      SOCKBUF_SET(SK_MEMINFO_VARS),
  };
#undef SOCKBUF_SET
  *count = sizeof(kMeminfo) / sizeof(kMeminfo[0]);
  return kMeminfo;
}

void AddPlatformLayout(Napi::Env env, Napi::Object layout) {
  Put(env, layout, "meminfoSize",
      static_cast<double>(SK_MEMINFO_VARS * sizeof(__u32)));
  AddUcredLayout(env, layout);
}

void AddPlatformFunctions(Napi::Env, Napi::Object) {}

}  // namespace sockbuf
