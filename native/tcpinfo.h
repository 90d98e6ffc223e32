#ifndef SOCKBUF_TCPINFO_H_
#define SOCKBUF_TCPINFO_H_

#include <napi.h>

namespace sockbuf {

// Defines layout.tcpInfo (a getter that builds it when read): the struct
// TCP_INFO (Linux, struct tcp_info from <linux/tcp.h>) or TCP_CONNECTION_INFO
// (macOS, struct tcp_connection_info) fills, as the system headers of the build
// declare it. Leaves it out where neither exists.
void AddTcpInfoLayout(Napi::Env env, Napi::Object layout);

// Fills `target` with { 'established': n, 'listen': n, ... }: the numbers
// tcpi_state takes on this platform (tcpstates.cc).
void AddTcpStates(Napi::Env env, Napi::Object target);

}  // namespace sockbuf

#endif  // SOCKBUF_TCPINFO_H_
