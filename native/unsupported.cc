// Windows: Node exposes no file descriptor for TCP handles, so there is
// nothing for sockbuf to act on. This stub lets the package install; the
// loader in lib/binding.ts refuses Windows with a documented error first.
#include <node_api.h>

static napi_value Init(napi_env env, napi_value exports) {
  napi_value flag;
  if (napi_get_boolean(env, true, &flag) == napi_ok) {
    napi_set_named_property(env, exports, "unsupported", flag);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
