// Put(): adds an own data property to an object the addon has just made, by
// definition (CreateDataProperty, as an object literal does), never by
// assignment. So no setter that a program defined on Object.prototype or
// Array.prototype runs while the addon describes its structs (the layouts
// are made when lib first reads them, long after the program started), and
// no exception is left pending: on a fresh, extensible object a definition
// fails only for want of memory or in an environment being torn down (a
// worker terminated mid-call, whose objects no JavaScript will read), and
// then returns false.
#ifndef SOCKBUF_PUT_H_
#define SOCKBUF_PUT_H_

#include <napi.h>

namespace sockbuf {

inline bool Put(napi_env env, napi_value object, const char* key,
                napi_value value) {
  napi_property_descriptor property = {key,
                                       nullptr,
                                       nullptr,
                                       nullptr,
                                       nullptr,
                                       value,
                                       napi_default_jsproperty,
                                       nullptr};
  return napi_define_properties(env, object, 1, &property) == napi_ok;
}

inline bool Put(napi_env env, napi_value object, const char* key,
                double value) {
  napi_value number;
  return napi_create_double(env, value, &number) == napi_ok &&
         Put(env, object, key, number);
}

}  // namespace sockbuf

#endif  // SOCKBUF_PUT_H_
