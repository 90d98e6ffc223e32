// The numbers of the TCP states as this platform's headers declare them:
// glibc's <netinet/tcp.h> enum on Linux (the kernel's numbering), the
// TCPS_* macros of <netinet/tcp_fsm.h> on macOS. Kept apart from
// tcpinfo.cc because <netinet/tcp.h> and <linux/tcp.h> cannot be included
// together.
#include <napi.h>

#if defined(__linux__)
#include <netinet/tcp.h>
#elif defined(__APPLE__) && __has_include(<netinet/tcp_fsm.h>)
// Apple's SDK has it; the smaller macOS header set of the Zig compile check
// (scripts/cross-compile.sh) does not: then the states stay unnamed and
// tcpInfo() reports state 'unknown' rather than a guessed table.
#include <netinet/tcp_fsm.h>
#define SOCKBUF_HAVE_TCP_FSM 1
#endif

#include "put.h"
#include "tcpinfo.h"

namespace sockbuf {

void AddTcpStates(Napi::Env env, Napi::Object target) {
#define SOCKBUF_STATE(name, value) \
  Put(env, target, name, static_cast<double>(value))
#if defined(__linux__)
  SOCKBUF_STATE("established", TCP_ESTABLISHED);
  SOCKBUF_STATE("syn-sent", TCP_SYN_SENT);
  SOCKBUF_STATE("syn-recv", TCP_SYN_RECV);
  SOCKBUF_STATE("fin-wait-1", TCP_FIN_WAIT1);
  SOCKBUF_STATE("fin-wait-2", TCP_FIN_WAIT2);
  SOCKBUF_STATE("time-wait", TCP_TIME_WAIT);
  SOCKBUF_STATE("closed", TCP_CLOSE);
  SOCKBUF_STATE("close-wait", TCP_CLOSE_WAIT);
  SOCKBUF_STATE("last-ack", TCP_LAST_ACK);
  SOCKBUF_STATE("listen", TCP_LISTEN);
  SOCKBUF_STATE("closing", TCP_CLOSING);
#elif defined(SOCKBUF_HAVE_TCP_FSM)
  SOCKBUF_STATE("closed", TCPS_CLOSED);
  SOCKBUF_STATE("listen", TCPS_LISTEN);
  SOCKBUF_STATE("syn-sent", TCPS_SYN_SENT);
  SOCKBUF_STATE("syn-recv", TCPS_SYN_RECEIVED);
  SOCKBUF_STATE("established", TCPS_ESTABLISHED);
  SOCKBUF_STATE("close-wait", TCPS_CLOSE_WAIT);
  SOCKBUF_STATE("fin-wait-1", TCPS_FIN_WAIT_1);
  SOCKBUF_STATE("closing", TCPS_CLOSING);
  SOCKBUF_STATE("last-ack", TCPS_LAST_ACK);
  SOCKBUF_STATE("fin-wait-2", TCPS_FIN_WAIT_2);
  SOCKBUF_STATE("time-wait", TCPS_TIME_WAIT);
#else
  (void)env;
  (void)target;
#endif
#undef SOCKBUF_STATE
}

}  // namespace sockbuf
