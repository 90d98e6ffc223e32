// sockbuf native layer: thin glue over getsockopt/setsockopt.
//
// Contract with lib/binding.ts (see NativeBinding there):
//  - int options go through `frame`, an Int32Array this environment owns:
//    lib writes [fd, level, option, value], calls getIntFrame()/setIntFrame(),
//    and reads frame[3] (the value) and frame[4] (0, or the errno) back;
//    setGetIntFrame() sets and then reads back a buffer size in one call
//    (see SetGetIntFrame);
//  - byte and struct options go through `bytes`, a Uint8Array over a byte
//    area this environment owns, with the length in frame[3]: lib writes
//    [fd, level, option, length], calls getBytesFrame()/setBytesFrame(), and
//    reads frame[3] (the kernel's optlen) and frame[4] (0, or the errno);
//    queuedFrame() reads frame[0] (fd) and writes the three queue sizes (see
//    QueuedFrame). getBytes/setBytes/queued remain for lengths past the area;
//  - the other getters return their value, or undefined on failure, and the
//    failure's errno is then read with lastErrno(); setBytes returns 0 or the
//    errno;
//  - malformed arguments throw a TypeError/RangeError (lib validates first,
//    so this only guards against misuse of the binding itself).
// Nothing here asserts, aborts, allocates on the int path, or writes past a
// buffer it was handed.
#include <fcntl.h>
#include <napi.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "constants.h"
#include "platform.h"
#include "put.h"
#include "tcpinfo.h"

namespace sockbuf {
namespace {

// Largest buffer getBytes will hand to the kernel; lib enforces the same.
constexpr int32_t kMaxGetLength = 1 << 20;

constexpr size_t kFrameSlots = 8;
enum FrameSlot {
  kFd = 0,
  kLevel = 1,
  kOption = 2,
  kValue = 3,
  kErrno = 4,
  // queuedFrame(): the send queue, the unsent part of it, and the unsent
  // part's errno (the receive queue goes to kValue). setGetIntFrame(): the
  // option read back (kSend) and which call failed (kUnsent).
  kSend = 5,
  kUnsent = 6,
  kUnsentErrno = 7,
};

// Bytes of the per-environment byte area: every struct option (linger,
// timeval, SO_MEMINFO, tcp_info, names) fits; lib uses getBytes/setBytes
// past it.
constexpr size_t kByteAreaSize = 4096;
// Values up to this size (every struct option but TCP_INFO) are cleared with
// fixed-size stores before a get (see GetBytesFrame).
constexpr socklen_t kSmallValue = 64;
static_assert(kSmallValue <= kByteAreaSize, "the area holds a small value");

// Per-environment state, so that every worker thread has its own.
struct alignas(64) InstanceData {
  // Where lib's views really point: the two arrays below, or V8 memory where
  // external buffers are refused. First, and the struct 64-byte aligned, so
  // that a byte call reads them from the cache line that holds the frame
  // (offsets 0-23 and 32-63), not from past the 4 KiB area.
  int32_t* frame_ptr = nullptr;
  uint8_t* bytes_ptr = nullptr;
  int last_errno = 0;
  // The int calls' arguments and results, shared with lib as an Int32Array
  // (see AddFrameFunctions). The memory is owned here, so the native side
  // never follows a pointer that V8 could take away.
  alignas(16) int32_t frame[kFrameSlots] = {};
  // Byte and struct options' values (see AddByteFunctions).
  alignas(16) uint8_t bytes[kByteAreaSize] = {};
  // The struct layout once made (strong), and the exports object it is
  // cached on (weak): see LayoutGetter. Deleted by FinalizeInstanceData.
  napi_ref layout = nullptr;
  napi_ref exports = nullptr;
};

void FinalizeInstanceData(Napi::Env env, InstanceData* data) {
  if (data->layout != nullptr) napi_delete_reference(env, data->layout);
  if (data->exports != nullptr) napi_delete_reference(env, data->exports);
  delete data;
}

static_assert(offsetof(InstanceData, frame) + sizeof(int32_t) * kFrameSlots <=
                  64,
              "the frame and the pointers share the struct's first cache line");

void SetLastErrno(Napi::Env env, int err) {
  InstanceData* data = env.GetInstanceData<InstanceData>();
  if (data != nullptr) data->last_errno = err;
}

// Reads a JS number that must be an integer within int32 range. Any other
// value (NaN, fractions, out of range, non-numbers) throws instead of being
// silently truncated to a different fd or option.
bool ReadInt32(napi_env env, napi_value value, const char* what, int32_t* out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", what);
    return false;
  }
  if (!(d >= INT32_MIN && d <= INT32_MAX) || std::trunc(d) != d) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", what);
    return false;
  }
  *out = static_cast<int32_t>(d);
  return true;
}

// Parses `count` leading int32 arguments.
bool ReadInts(const Napi::CallbackInfo& info, size_t count, int32_t* out) {
  static const char* const kNames[] = {
      "argument 1 must be an int32", "argument 2 must be an int32",
      "argument 3 must be an int32", "argument 4 must be an int32"};
  for (size_t i = 0; i < count; i++) {
    if (!ReadInt32(info.Env(), info[i], kNames[i], &out[i])) return false;
  }
  return true;
}

// getIntFrame() / setIntFrame(): the int calls, the hot path (a get or set
// per packet is a real use). lib writes [fd, level, option, value] into the
// environment's frame, calls, and reads frame[kValue] and frame[kErrno] (0 on
// success) back. No value is converted: the only N-API call is the one that
// fetches the frame, so a call costs the JS-to-native transition and the
// system call (converting four arguments and a result cost ~25 ns more).
int32_t* CallFrame(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  return static_cast<int32_t*>(data);
}

napi_value GetIntFrame(napi_env env, napi_callback_info info) {
  int32_t* f = CallFrame(env, info);
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(f[kFd], f[kLevel], f[kOption], &value, &len) != 0) {
    f[kErrno] = errno;
    return nullptr;
  }
  if (len == 1) {
    // Some options (IP_MULTICAST_TTL on macOS, ...) are a single byte.
    unsigned char byte;
    std::memcpy(&byte, &value, 1);
    value = byte;
  }
  f[kValue] = value;
  f[kErrno] = 0;
  return nullptr;
}

napi_value SetIntFrame(napi_env env, napi_callback_info info) {
  int32_t* f = CallFrame(env, info);
  int value = f[kValue];
  f[kErrno] =
      setsockopt(f[kFd], f[kLevel], f[kOption], &value, sizeof(value)) == 0
          ? 0
          : errno;
  return nullptr;
}

// setGetIntFrame(): a buffer-size set and its read-back in one call (the
// two system calls setRecvBufferSize makes, for one JS-to-native transition).
// For full-size int options only: unlike GetIntFrame, a one-byte answer is
// not widened.
// [fd, level, option, value, -, readOption] -> setsockopt(option, value),
// then getsockopt(readOption): frame[kValue] = the value read,
// frame[kErrno] = 0, or the errno of the call that failed with
// frame[kUnsent] = 0 (the set) or 1 (the read).
napi_value SetGetIntFrame(napi_env env, napi_callback_info info) {
  int32_t* f = CallFrame(env, info);
  int value = f[kValue];
  if (setsockopt(f[kFd], f[kLevel], f[kOption], &value, sizeof(value)) != 0) {
    f[kErrno] = errno;
    f[kUnsent] = 0;
    return nullptr;
  }
  value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(f[kFd], f[kLevel], f[kSend], &value, &len) != 0) {
    f[kErrno] = errno;
    f[kUnsent] = 1;
    return nullptr;
  }
  f[kValue] = value;
  f[kErrno] = 0;
  return nullptr;
}

// Exports `frame` (an Int32Array over this environment's InstanceData::frame)
// and the two functions bound to it. Where external buffers are refused
// (Electron), the frame is V8 memory instead, kept alive by `exports`.
void AddFrameFunctions(napi_env env, napi_value exports, InstanceData* data) {
  void* mem = data->frame;
  napi_value buffer, frame;
  if (napi_create_external_arraybuffer(env, mem, sizeof(data->frame), nullptr,
                                       nullptr, &buffer) != napi_ok) {
    napi_value ignored;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_get_and_clear_last_exception(env, &ignored);
    }
    if (napi_create_arraybuffer(env, sizeof(data->frame), &mem, &buffer) !=
        napi_ok) {
      return;
    }
  }
  data->frame_ptr = static_cast<int32_t*>(mem);
  if (napi_create_typedarray(env, napi_int32_array, kFrameSlots, buffer, 0,
                             &frame) != napi_ok) {
    return;
  }
  napi_set_named_property(env, exports, "frame", frame);
  napi_value fn;
  if (napi_create_function(env, "getIntFrame", NAPI_AUTO_LENGTH, GetIntFrame,
                           mem, &fn) == napi_ok) {
    napi_set_named_property(env, exports, "getIntFrame", fn);
  }
  if (napi_create_function(env, "setIntFrame", NAPI_AUTO_LENGTH, SetIntFrame,
                           mem, &fn) == napi_ok) {
    napi_set_named_property(env, exports, "setIntFrame", fn);
  }
  if (napi_create_function(env, "setGetIntFrame", NAPI_AUTO_LENGTH,
                           SetGetIntFrame, mem, &fn) == napi_ok) {
    napi_set_named_property(env, exports, "setGetIntFrame", fn);
  }
}

// getBytesFrame() / setBytesFrame() / queuedFrame(): the byte, struct and
// queue calls, through memory this environment owns, so that a successful
// call creates no N-API value (lib copies what it returns, if anything, out
// of `bytes`). Each reads its arguments from the frame, which lib writes
// only with validated primitives; the length is checked again here, so a
// misuse of the binding cannot make the kernel read or write past the area.
InstanceData* CallData(napi_env env, napi_callback_info info) {
  void* data = nullptr;
  napi_get_cb_info(env, info, nullptr, nullptr, nullptr, &data);
  return static_cast<InstanceData*>(data);
}

bool AreaLength(int32_t* f, socklen_t* len) {
  if (f[kValue] < 0 || static_cast<size_t>(f[kValue]) > kByteAreaSize) {
    f[kErrno] = EINVAL;
    return false;
  }
  *len = static_cast<socklen_t>(f[kValue]);
  return true;
}

// [fd, level, option, length] -> frame[kValue] = the kernel's optlen (at
// most length), frame[kErrno] = 0 or errno; the value is in bytes[0..optlen).
napi_value GetBytesFrame(napi_env env, napi_callback_info info) {
  InstanceData* d = CallData(env, info);
  int32_t* f = d->frame_ptr;
  socklen_t len = 0;
  if (!AreaLength(f, &len)) return nullptr;
  socklen_t asked = len;
  // Zeroed first, so that a short answer never leaves an older value's
  // bytes where lib reads a struct's fields. The usual option is small: a
  // fixed 64-byte clear is a few stores, where memset(len) became a
  // `rep stos` costing ~30 ns, a tenth of the system call, at every call.
  if (len <= kSmallValue) {
    std::memset(d->bytes_ptr, 0, kSmallValue);
  } else {
    std::memset(d->bytes_ptr, 0, len);
  }
  if (getsockopt(f[kFd], f[kLevel], f[kOption], d->bytes_ptr, &len) != 0) {
    f[kErrno] = errno;
    return nullptr;
  }
  // A kernel may report the size it would have liked; never past ours.
  f[kValue] = static_cast<int32_t>(len > asked ? asked : len);
  f[kErrno] = 0;
  return nullptr;
}

// [fd, level, option, length], value in bytes[0..length) -> frame[kErrno].
napi_value SetBytesFrame(napi_env env, napi_callback_info info) {
  InstanceData* d = CallData(env, info);
  int32_t* f = d->frame_ptr;
  socklen_t len = 0;
  if (!AreaLength(f, &len)) return nullptr;
  f[kErrno] = setsockopt(f[kFd], f[kLevel], f[kOption],
                         len == 0 ? nullptr : d->bytes_ptr, len) == 0
                  ? 0
                  : errno;
  return nullptr;
}

// [fd] -> frame[kValue] = receive queue, frame[kSend] = send queue,
// frame[kErrno] = 0 or the errno of the first of them that failed, with
// frame[kOption] = 0 or 1 saying which; then frame[kUnsent] = the unsent
// part of the send queue, frame[kUnsentErrno] = 0 or its errno (ENOTTY or
// ENOTSUP where the socket or platform has no such count). The send queue
// is read before its unsent part: bytes can only leave the unsent part in
// between, so unsent <= send holds.
napi_value QueuedFrame(napi_env env, napi_callback_info info) {
  int32_t* f = CallData(env, info)->frame_ptr;
  int32_t value = 0;
  for (int32_t which = 0; which < 2; which++) {
    int err = QueuedBytes(f[kFd], static_cast<Queue>(which), &value);
    if (err != 0) {
      f[kOption] = which;
      f[kErrno] = err;
      return nullptr;
    }
    f[which == 0 ? kValue : kSend] = value;
  }
  f[kErrno] = 0;
  value = 0;
  f[kUnsentErrno] = QueuedBytes(f[kFd], Queue::kUnsent, &value);
  f[kUnsent] = value;
  return nullptr;
}

// readNumberFiles(paths) -> undefined: for each of up to kMaxNumberFiles
// '\n'-separated paths, open, one read, close (as a C reader would), and the
// whitespace-separated integers of the file into the byte area as doubles:
// slot 4*i holds how many (0: missing, unreadable, empty, too long, or not
// all integers; more than 3 counts as 0), slots 4*i+1.. the values. This is
// systemLimits' procfs path: one native call instead of three fs calls a
// file.
constexpr size_t kMaxNumberFiles = 32;

size_t ParseNumbers(const char* text, size_t length, double* out) {
  size_t count = 0;
  size_t i = 0;
  while (i < length) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      i++;
      continue;
    }
    double sign = 1;
    if (c == '-') {
      sign = -1;
      i++;
    }
    size_t start = i;
    double n = 0;
    while (i < length && text[i] >= '0' && text[i] <= '9') {
      n = n * 10 + (text[i] - '0');
      i++;
    }
    if (i == start || count == 3) return 0;
    if (i < length && text[i] != ' ' && text[i] != '\t' && text[i] != '\n') {
      return 0;
    }
    out[count++] = sign * n;
  }
  return count;
}

napi_value ReadNumberFiles(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  void* raw = nullptr;
  if (napi_get_cb_info(env, info, &argc, &arg, nullptr, &raw) != napi_ok) {
    return nullptr;
  }
  InstanceData* d = static_cast<InstanceData*>(raw);
  char paths[4096];
  size_t length = 0;
  if (argc < 1 || napi_get_value_string_latin1(env, arg, paths, sizeof(paths),
                                               &length) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "argument 1 must be a string");
    return nullptr;
  }
  double out[kMaxNumberFiles * 4] = {};
  size_t file = 0;
  size_t start = 0;
  while (start <= length && file < kMaxNumberFiles) {
    size_t end = start;
    while (end < length && paths[end] != '\n') end++;
    paths[end] = '\0';
    int fd = open(paths + start, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      char text[256];
      ssize_t n = read(fd, text, sizeof(text));
      close(fd);
      if (n > 0 && static_cast<size_t>(n) < sizeof(text)) {
        out[file * 4] = static_cast<double>(
            ParseNumbers(text, static_cast<size_t>(n), &out[file * 4 + 1]));
      }
    }
    file++;
    start = end + 1;
  }
  std::memcpy(d->bytes_ptr, out, sizeof(out));
  return nullptr;
}

// Exports `bytes` (a Uint8Array over this environment's byte area) and the
// functions above. Needs the frame (AddFrameFunctions) first.
void AddByteFunctions(napi_env env, napi_value exports, InstanceData* data) {
  if (data->frame_ptr == nullptr) return;
  void* mem = data->bytes;
  napi_value buffer, bytes;
  if (napi_create_external_arraybuffer(env, mem, sizeof(data->bytes), nullptr,
                                       nullptr, &buffer) != napi_ok) {
    napi_value ignored;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_get_and_clear_last_exception(env, &ignored);
    }
    if (napi_create_arraybuffer(env, sizeof(data->bytes), &mem, &buffer) !=
        napi_ok) {
      return;
    }
  }
  if (napi_create_typedarray(env, napi_uint8_array, sizeof(data->bytes), buffer,
                             0, &bytes) != napi_ok) {
    return;
  }
  data->bytes_ptr = static_cast<uint8_t*>(mem);
  napi_set_named_property(env, exports, "bytes", bytes);
  static const struct {
    const char* name;
    napi_callback cb;
  } kFunctions[] = {{"getBytesFrame", GetBytesFrame},
                    {"setBytesFrame", SetBytesFrame},
                    {"queuedFrame", QueuedFrame},
                    {"readNumberFiles", ReadNumberFiles}};
  for (const auto& fn : kFunctions) {
    napi_value value;
    if (napi_create_function(env, fn.name, NAPI_AUTO_LENGTH, fn.cb, data,
                             &value) == napi_ok) {
      napi_set_named_property(env, exports, fn.name, value);
    }
  }
}

// getBytes(fd, level, option, length) -> Buffer | undefined
// The Buffer holds exactly the bytes the kernel wrote (its optlen), never
// more than `length`.
Napi::Value GetBytes(const Napi::CallbackInfo& info) {
  int32_t a[4];
  if (!ReadInts(info, 4, a)) return Napi::Value();
  if (a[3] < 0 || a[3] > kMaxGetLength) {
    napi_throw_range_error(info.Env(), "ERR_OUT_OF_RANGE",
                           "length must be between 0 and 1048576");
    return Napi::Value();
  }
  uint8_t small[512];
  std::vector<uint8_t> large;
  uint8_t* buf = small;
  if (static_cast<size_t>(a[3]) > sizeof(small)) {
    large.resize(static_cast<size_t>(a[3]));
    buf = large.data();
  } else {
    std::memset(small, 0, sizeof(small));
  }
  socklen_t len = static_cast<socklen_t>(a[3]);
  if (getsockopt(a[0], a[1], a[2], buf, &len) != 0) {
    SetLastErrno(info.Env(), errno);
    return info.Env().Undefined();
  }
  // A kernel may report the size it would have liked; never read past ours.
  if (len > static_cast<socklen_t>(a[3])) len = static_cast<socklen_t>(a[3]);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), buf, len);
}

// setBytes(fd, level, option, bytes: Uint8Array) -> 0 | errno
Napi::Value SetBytes(const Napi::CallbackInfo& info) {
  int32_t a[3];
  if (!ReadInts(info, 3, a)) return Napi::Value();
  napi_env env = info.Env();
  bool is_typed = false;
  if (info.Length() < 4 ||
      napi_is_typedarray(env, info[3], &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "argument 4 must be a Uint8Array");
    return Napi::Value();
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env, info[3], &type, &length, &data, nullptr,
                               nullptr) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "argument 4 must be a Uint8Array");
    return Napi::Value();
  }
  if (length > static_cast<size_t>(INT_MAX)) {
    return Napi::Number::New(env, EINVAL);
  }
  int rc = setsockopt(a[0], a[1], a[2], length == 0 ? nullptr : data,
                      static_cast<socklen_t>(length));
  return Napi::Number::New(env, rc == 0 ? 0 : errno);
}

// queued(fd, which) -> number | undefined; which: 0 receive, 1 send.
Napi::Value Queued(const Napi::CallbackInfo& info) {
  int32_t a[2];
  if (!ReadInts(info, 2, a)) return Napi::Value();
  if (a[1] != 0 && a[1] != 1) {
    napi_throw_range_error(info.Env(), "ERR_OUT_OF_RANGE",
                           "queue must be 0 (receive) or 1 (send)");
    return Napi::Value();
  }
  int32_t value = 0;
  int err = QueuedBytes(a[0], static_cast<Queue>(a[1]), &value);
  if (err != 0) {
    SetLastErrno(info.Env(), err);
    return info.Env().Undefined();
  }
  return Napi::Number::New(info.Env(), value);
}

// lastErrno() -> errno of this environment's last failed getter.
Napi::Value LastErrno(const Napi::CallbackInfo& info) {
  InstanceData* data = info.Env().GetInstanceData<InstanceData>();
  return Napi::Number::New(info.Env(), data == nullptr ? 0 : data->last_errno);
}

// openStreamSocket(family) -> fd >= 0, or -errno. family: 4 (AF_INET),
// 6 (AF_INET6) or 0 (AF_UNIX). The descriptor is non-blocking and
// close-on-exec, like the ones libuv makes, so that lib can set options on it
// before it hands it to a handle's open() and connect().
Napi::Value OpenStreamSocket(const Napi::CallbackInfo& info) {
  int32_t family;
  if (!ReadInts(info, 1, &family)) return Napi::Value();
  int domain;
  if (family == 4) {
    domain = AF_INET;
  } else if (family == 6) {
    domain = AF_INET6;
  } else if (family == 0) {
    domain = AF_UNIX;
  } else {
    napi_throw_range_error(info.Env(), "ERR_OUT_OF_RANGE",
                           "family must be 4, 6 or 0");
    return Napi::Value();
  }
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
  int fd = socket(domain, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Napi::Number::New(info.Env(), -errno);
#else
  int fd = socket(domain, SOCK_STREAM, 0);
  if (fd < 0) return Napi::Number::New(info.Env(), -errno);
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) != 0 ||
      fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    int err = errno;
    close(fd);
    return Napi::Number::New(info.Env(), -err);
  }
#endif
  return Napi::Number::New(info.Env(), fd);
}

Napi::Object Layout(Napi::Env env) {
  Napi::Object layout = Napi::Object::New(env);
  Napi::Object timeval = Napi::Object::New(env);
  Put(env, timeval, "size", static_cast<double>(sizeof(struct timeval)));
  Put(env, timeval, "secOffset",
      static_cast<double>(offsetof(struct timeval, tv_sec)));
  Put(env, timeval, "secSize",
      static_cast<double>(sizeof(((struct timeval*)0)->tv_sec)));
  Put(env, timeval, "usecOffset",
      static_cast<double>(offsetof(struct timeval, tv_usec)));
  Put(env, timeval, "usecSize",
      static_cast<double>(sizeof(((struct timeval*)0)->tv_usec)));
  Put(env, layout, "timeval", timeval);
  Napi::Object linger = Napi::Object::New(env);
  Put(env, linger, "size", static_cast<double>(sizeof(struct linger)));
  Put(env, linger, "onoffOffset",
      static_cast<double>(offsetof(struct linger, l_onoff)));
  Put(env, linger, "lingerOffset",
      static_cast<double>(offsetof(struct linger, l_linger)));
  Put(env, layout, "linger", linger);
  Put(env, layout, "intSize", static_cast<double>(sizeof(int)));
  AddPlatformLayout(env, layout);
  AddTcpInfoLayout(env, layout);
  return layout;
}

// The binding (this environment's exports object) when `self` is it, else
// nullptr: the layout's accessors change only the binding, never another
// receiver (Reflect.get, an object that inherits from the binding).
napi_value BindingItself(napi_env env, InstanceData* data, napi_value self) {
  napi_value exports = nullptr;
  bool same = false;
  if (data->exports == nullptr ||
      napi_get_reference_value(env, data->exports, &exports) != napi_ok ||
      exports == nullptr ||
      napi_strict_equals(env, self, exports, &same) != napi_ok || !same) {
    return nullptr;
  }
  return exports;
}

// `layout` is built when lib first reads it (raw.ts, options.ts and
// observe.ts do, once each, when they load), not when the addon loads: its
// five objects and twenty-odd properties were about a sixth of the addon's
// init, which every require('sockbuf') paid. The object is made once per
// environment, so every read gives the same one: a read on the binding
// itself replaces the getter with a data property holding it (the binding
// then looks as it did when `layout` was made in the init, and later reads
// are plain loads); until then, or for good on a frozen binding, which
// keeps the getter, a reference holds it. The definition cannot run user code
// (the binding is a plain object), and it is made only on the binding, never on
// another receiver (Reflect.get, an object that inherits from the binding).
napi_value LayoutGetter(napi_env env, napi_callback_info info) {
  napi_value self = nullptr;
  void* raw = nullptr;
  if (napi_get_cb_info(env, info, nullptr, nullptr, &self, &raw) != napi_ok ||
      raw == nullptr) {
    return nullptr;
  }
  InstanceData* data = static_cast<InstanceData*>(raw);
  napi_value layout = nullptr;
  if (data->layout != nullptr) {
    napi_get_reference_value(env, data->layout, &layout);
  }
  if (layout == nullptr) {
    layout = Layout(env);
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) != napi_ok || pending) {
      return nullptr;  // the builder's own error reaches the reader
    }
    if (data->layout != nullptr) napi_delete_reference(env, data->layout);
    data->layout = nullptr;
    napi_create_reference(env, layout, 1, &data->layout);
  }
  napi_value exports = BindingItself(env, data, self);
  if (exports != nullptr) {
    // Fails (napi_invalid_arg, nothing thrown) on a frozen binding, which
    // keeps the getter and the reference. Once the binding holds the object,
    // the reference goes: the layout then lives as long as the binding, not
    // as long as the environment.
    if (Put(env, exports, "layout", layout) && data->layout != nullptr) {
      napi_delete_reference(env, data->layout);
      data->layout = nullptr;
    }
  }
  return layout;
}

// An assignment to the binding's `layout` before its first read makes it a
// data property holding the value, as it did when `layout` was one from the
// start; on another receiver, or a frozen binding, it does nothing.
napi_value LayoutSetter(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value value = nullptr;
  napi_value self = nullptr;
  void* raw = nullptr;
  if (napi_get_cb_info(env, info, &argc, &value, &self, &raw) != napi_ok ||
      raw == nullptr || argc < 1) {
    return nullptr;
  }
  InstanceData* data = static_cast<InstanceData*>(raw);
  napi_value exports = BindingItself(env, data, self);
  if (exports != nullptr) {
    Put(env, exports, "layout", value);
  }
  return nullptr;
}

// The package version this binary was built from, stamped by binding.gyp
// from package.json. The marker prefix lets scripts/check-prebuilds.js read
// it from the file without loading it (a binary for another platform). A
// compile outside binding.gyp says "unknown", which no pack accepts.
#ifndef SOCKBUF_VERSION
#define SOCKBUF_VERSION "unknown"
#endif
constexpr char kVersionMarker[] = "sockbuf-version=" SOCKBUF_VERSION;
constexpr size_t kVersionPrefix = sizeof("sockbuf-version=") - 1;

void AddVersion(Napi::Env env, Napi::Object exports) {
  exports.Set("version",
              Napi::String::New(env, kVersionMarker + kVersionPrefix));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InstanceData* data = new InstanceData();
  env.SetInstanceData<InstanceData, FinalizeInstanceData>(data);
  napi_create_reference(env, exports, 0, &data->exports);
  AddFrameFunctions(env, exports, data);
  AddByteFunctions(env, exports, data);
  exports.Set("getBytes", Napi::Function::New(env, GetBytes, "getBytes"));
  exports.Set("setBytes", Napi::Function::New(env, SetBytes, "setBytes"));
  exports.Set("queued", Napi::Function::New(env, Queued, "queued"));
  exports.Set("lastErrno", Napi::Function::New(env, LastErrno, "lastErrno"));
  exports.Set("openStreamSocket",
              Napi::Function::New(env, OpenStreamSocket, "openStreamSocket"));
  // The ~240 constants become an object only when lib first reads them
  // (makeConstants): made here, they were ~0.3 ms of every require.
  AddConstantFunctions(env, exports);
  napi_property_descriptor layout = {"layout",
                                     nullptr,
                                     nullptr,
                                     LayoutGetter,
                                     LayoutSetter,
                                     nullptr,
                                     static_cast<napi_property_attributes>(
                                         napi_enumerable | napi_configurable),
                                     data};
  napi_define_properties(env, exports, 1, &layout);
  AddPlatformFunctions(env, exports);
  AddVersion(env, exports);
  return exports;
}

}  // namespace
}  // namespace sockbuf

static Napi::Object InitSockbuf(Napi::Env env, Napi::Object exports) {
  return sockbuf::Init(env, exports);
}

NODE_API_MODULE(sockbuf, InitSockbuf)
