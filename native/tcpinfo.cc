// The layout of the struct TCP_INFO fills, taken from the system headers at
// build time. Every field is looked up by name: a field this platform's
// header lacks is simply absent from the layout (older headers, or macOS,
// whose struct tcp_connection_info has other fields). lib reads each field
// only when the kernel's answer was long enough to hold it.
//
// layout.tcpInfo = {
//   struct: 'tcp_info' | 'tcp_connection_info',
//   size: sizeof the struct,
//   fields: { name: [byteOffset, byteSize] },  // plain integer fields
//   bits: { name: [byteOffset, mask] },  // bit-fields and single bytes
//   states: { established: n, ... },  // the values tcpi_state takes
// }
// where `name` is the C name without its `tcpi_` prefix.
#include "tcpinfo.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "put.h"

#if defined(__linux__)
#include <linux/tcp.h>
#define SOCKBUF_TCP_INFO_STRUCT tcp_info
#define SOCKBUF_TCP_INFO_NAME "tcp_info"
#elif defined(__APPLE__)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#ifdef TCP_CONNECTION_INFO
#define SOCKBUF_TCP_INFO_STRUCT tcp_connection_info
#define SOCKBUF_TCP_INFO_NAME "tcp_connection_info"
#endif
#endif

namespace sockbuf {
namespace {

#ifdef SOCKBUF_TCP_INFO_STRUCT

// Has_x<T>: does struct T declare tcpi_x? Field_x<T>: its [offset, size].
// Bits_x<T>: the byte and mask it occupies, found by setting it in a zeroed
// struct (works for bit-fields, which offsetof and sizeof cannot take).
#define SOCKBUF_TCPI_HAS(name)                                                \
  template <typename T, typename = void>                                      \
  struct Has_##name : std::false_type {};                                     \
  template <typename T>                                                       \
  struct Has_##name<T, std::void_t<decltype(std::declval<T&>().tcpi_##name)>> \
      : std::true_type {};

#define SOCKBUF_TCPI_FIELD(name)                                           \
  SOCKBUF_TCPI_HAS(name)                                                   \
  template <typename T>                                                    \
  void Field_##name(Napi::Env env, Napi::Object fields) {                  \
    if constexpr (Has_##name<T>::value) {                                  \
      Napi::Array entry = Napi::Array::New(env, 2);                        \
      Put(env, entry, "0", static_cast<double>(offsetof(T, tcpi_##name))); \
      Put(env, entry, "1", static_cast<double>(sizeof(T::tcpi_##name)));   \
      Put(env, fields, #name, entry);                                      \
    } else {                                                               \
      (void)env;                                                           \
      (void)fields;                                                        \
    }                                                                      \
  }

#define SOCKBUF_TCPI_BITS(name)                              \
  SOCKBUF_TCPI_HAS(name)                                     \
  template <typename T>                                      \
  void Bits_##name(Napi::Env env, Napi::Object bits) {       \
    if constexpr (Has_##name<T>::value) {                    \
      T probe;                                               \
      std::memset(&probe, 0, sizeof(probe));                 \
      --probe.tcpi_##name; /* all of its bits set */         \
      unsigned char bytes[sizeof(T)];                        \
      std::memcpy(bytes, &probe, sizeof(T));                 \
      for (size_t i = 0; i < sizeof(T); i++) {               \
        if (bytes[i] == 0) continue;                         \
        Napi::Array entry = Napi::Array::New(env, 2);        \
        Put(env, entry, "0", static_cast<double>(i));        \
        Put(env, entry, "1", static_cast<double>(bytes[i])); \
        Put(env, bits, #name, entry);                        \
        return;                                              \
      }                                                      \
    } else {                                                 \
      (void)env;                                             \
      (void)bits;                                            \
    }                                                        \
  }

// Linux struct tcp_info (every field up to the newest kernels; a header
// that predates one simply lacks it).
SOCKBUF_TCPI_FIELD(ca_state)
SOCKBUF_TCPI_FIELD(retransmits)
SOCKBUF_TCPI_FIELD(probes)
SOCKBUF_TCPI_FIELD(backoff)
SOCKBUF_TCPI_FIELD(rto)
SOCKBUF_TCPI_FIELD(ato)
SOCKBUF_TCPI_FIELD(snd_mss)
SOCKBUF_TCPI_FIELD(rcv_mss)
SOCKBUF_TCPI_FIELD(unacked)
SOCKBUF_TCPI_FIELD(sacked)
SOCKBUF_TCPI_FIELD(lost)
SOCKBUF_TCPI_FIELD(retrans)
SOCKBUF_TCPI_FIELD(last_data_sent)
SOCKBUF_TCPI_FIELD(last_data_recv)
SOCKBUF_TCPI_FIELD(last_ack_recv)
SOCKBUF_TCPI_FIELD(pmtu)
SOCKBUF_TCPI_FIELD(rcv_ssthresh)
SOCKBUF_TCPI_FIELD(rtt)
SOCKBUF_TCPI_FIELD(rttvar)
SOCKBUF_TCPI_FIELD(snd_ssthresh)
SOCKBUF_TCPI_FIELD(snd_cwnd)
SOCKBUF_TCPI_FIELD(advmss)
SOCKBUF_TCPI_FIELD(reordering)
SOCKBUF_TCPI_FIELD(rcv_rtt)
SOCKBUF_TCPI_FIELD(rcv_space)
SOCKBUF_TCPI_FIELD(total_retrans)
SOCKBUF_TCPI_FIELD(pacing_rate)
SOCKBUF_TCPI_FIELD(max_pacing_rate)
SOCKBUF_TCPI_FIELD(bytes_acked)
SOCKBUF_TCPI_FIELD(bytes_received)
SOCKBUF_TCPI_FIELD(segs_out)
SOCKBUF_TCPI_FIELD(segs_in)
SOCKBUF_TCPI_FIELD(notsent_bytes)
SOCKBUF_TCPI_FIELD(min_rtt)
SOCKBUF_TCPI_FIELD(data_segs_in)
SOCKBUF_TCPI_FIELD(data_segs_out)
SOCKBUF_TCPI_FIELD(delivery_rate)
SOCKBUF_TCPI_FIELD(busy_time)
SOCKBUF_TCPI_FIELD(rwnd_limited)
SOCKBUF_TCPI_FIELD(sndbuf_limited)
SOCKBUF_TCPI_FIELD(delivered)
SOCKBUF_TCPI_FIELD(delivered_ce)
SOCKBUF_TCPI_FIELD(bytes_sent)
SOCKBUF_TCPI_FIELD(bytes_retrans)
SOCKBUF_TCPI_FIELD(dsack_dups)
SOCKBUF_TCPI_FIELD(reord_seen)
SOCKBUF_TCPI_FIELD(rcv_ooopack)
SOCKBUF_TCPI_FIELD(snd_wnd)
SOCKBUF_TCPI_FIELD(rcv_wnd)
SOCKBUF_TCPI_FIELD(rehash)
SOCKBUF_TCPI_FIELD(total_rto)
SOCKBUF_TCPI_FIELD(total_rto_recoveries)
SOCKBUF_TCPI_FIELD(total_rto_time)
// macOS struct tcp_connection_info.
SOCKBUF_TCPI_FIELD(flags)
SOCKBUF_TCPI_FIELD(maxseg)
SOCKBUF_TCPI_FIELD(snd_sbbytes)
SOCKBUF_TCPI_FIELD(rttcur)
SOCKBUF_TCPI_FIELD(srtt)
SOCKBUF_TCPI_FIELD(txpackets)
SOCKBUF_TCPI_FIELD(txbytes)
SOCKBUF_TCPI_FIELD(txretransmitbytes)
SOCKBUF_TCPI_FIELD(rxpackets)
SOCKBUF_TCPI_FIELD(rxbytes)
SOCKBUF_TCPI_FIELD(rxoutoforderbytes)
SOCKBUF_TCPI_FIELD(txretransmitpackets)
// Single bytes and bit-fields (both platforms).
SOCKBUF_TCPI_BITS(state)
SOCKBUF_TCPI_BITS(options)
SOCKBUF_TCPI_BITS(snd_wscale)
SOCKBUF_TCPI_BITS(rcv_wscale)
SOCKBUF_TCPI_BITS(delivery_rate_app_limited)

#undef SOCKBUF_TCPI_BITS
#undef SOCKBUF_TCPI_FIELD
#undef SOCKBUF_TCPI_HAS

template <typename T>
Napi::Object Describe(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  Put(env, out, "struct", Napi::String::New(env, SOCKBUF_TCP_INFO_NAME));
  Put(env, out, "size", static_cast<double>(sizeof(T)));
  Napi::Object fields = Napi::Object::New(env);
  Napi::Object bits = Napi::Object::New(env);
  Field_ca_state<T>(env, fields);
  Field_retransmits<T>(env, fields);
  Field_probes<T>(env, fields);
  Field_backoff<T>(env, fields);
  Field_rto<T>(env, fields);
  Field_ato<T>(env, fields);
  Field_snd_mss<T>(env, fields);
  Field_rcv_mss<T>(env, fields);
  Field_unacked<T>(env, fields);
  Field_sacked<T>(env, fields);
  Field_lost<T>(env, fields);
  Field_retrans<T>(env, fields);
  Field_last_data_sent<T>(env, fields);
  Field_last_data_recv<T>(env, fields);
  Field_last_ack_recv<T>(env, fields);
  Field_pmtu<T>(env, fields);
  Field_rcv_ssthresh<T>(env, fields);
  Field_rtt<T>(env, fields);
  Field_rttvar<T>(env, fields);
  Field_snd_ssthresh<T>(env, fields);
  Field_snd_cwnd<T>(env, fields);
  Field_advmss<T>(env, fields);
  Field_reordering<T>(env, fields);
  Field_rcv_rtt<T>(env, fields);
  Field_rcv_space<T>(env, fields);
  Field_total_retrans<T>(env, fields);
  Field_pacing_rate<T>(env, fields);
  Field_max_pacing_rate<T>(env, fields);
  Field_bytes_acked<T>(env, fields);
  Field_bytes_received<T>(env, fields);
  Field_segs_out<T>(env, fields);
  Field_segs_in<T>(env, fields);
  Field_notsent_bytes<T>(env, fields);
  Field_min_rtt<T>(env, fields);
  Field_data_segs_in<T>(env, fields);
  Field_data_segs_out<T>(env, fields);
  Field_delivery_rate<T>(env, fields);
  Field_busy_time<T>(env, fields);
  Field_rwnd_limited<T>(env, fields);
  Field_sndbuf_limited<T>(env, fields);
  Field_delivered<T>(env, fields);
  Field_delivered_ce<T>(env, fields);
  Field_bytes_sent<T>(env, fields);
  Field_bytes_retrans<T>(env, fields);
  Field_dsack_dups<T>(env, fields);
  Field_reord_seen<T>(env, fields);
  Field_rcv_ooopack<T>(env, fields);
  Field_snd_wnd<T>(env, fields);
  Field_rcv_wnd<T>(env, fields);
  Field_rehash<T>(env, fields);
  Field_total_rto<T>(env, fields);
  Field_total_rto_recoveries<T>(env, fields);
  Field_total_rto_time<T>(env, fields);
  Field_flags<T>(env, fields);
  Field_maxseg<T>(env, fields);
  Field_snd_sbbytes<T>(env, fields);
  Field_rttcur<T>(env, fields);
  Field_srtt<T>(env, fields);
  Field_txpackets<T>(env, fields);
  Field_txbytes<T>(env, fields);
  Field_txretransmitbytes<T>(env, fields);
  Field_rxpackets<T>(env, fields);
  Field_rxbytes<T>(env, fields);
  Field_rxoutoforderbytes<T>(env, fields);
  Field_txretransmitpackets<T>(env, fields);
  Bits_state<T>(env, bits);
  Bits_options<T>(env, bits);
  Bits_snd_wscale<T>(env, bits);
  Bits_rcv_wscale<T>(env, bits);
  Bits_delivery_rate_app_limited<T>(env, bits);
  Put(env, out, "fields", fields);
  Put(env, out, "bits", bits);
  Napi::Object states = Napi::Object::New(env);
  AddTcpStates(env, states);
  Put(env, out, "states", states);
  return out;
}

#endif  // SOCKBUF_TCP_INFO_STRUCT

}  // namespace

#ifdef SOCKBUF_TCP_INFO_STRUCT
// Built when first read, not when the addon loads: describing the struct
// is a hundred or so objects, and a program that never calls tcpInfo()
// should not pay for them at require time (lib/tcpinfo.ts reads it once).
Napi::Value TcpInfoLayoutGetter(const Napi::CallbackInfo& info) {
  return Describe<struct SOCKBUF_TCP_INFO_STRUCT>(info.Env());
}
#endif

void AddTcpInfoLayout(Napi::Env env, Napi::Object layout) {
#ifdef SOCKBUF_TCP_INFO_STRUCT
  (void)env;
  layout.DefineProperty(Napi::PropertyDescriptor::Accessor<TcpInfoLayoutGetter>(
      "tcpInfo", napi_enumerable));
#else
  (void)env;
  (void)layout;
#endif
}

}  // namespace sockbuf
