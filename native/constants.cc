// The socket constants of this platform, taken from its system headers at
// build time. Every name is guarded by #ifdef, so a constant the platform
// does not define is simply absent from `constants`.
#include "constants.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <string>

#include "put.h"

#ifdef __linux__
#include <linux/sockios.h>
#endif

namespace sockbuf {

// The table, in the headers' order. Numbers, not N-API values: the object
// `constants` is made from it only when first read (see MakeConstants).
const ConstantEntry kConstants[] = {
#define SOCKBUF_SET(name) \
  { #name, static_cast < double>(name) }
#ifdef SOL_SOCKET
    SOCKBUF_SET(SOL_SOCKET),
#endif
#ifdef SOL_IP
    SOCKBUF_SET(SOL_IP),
#endif
#ifdef SOL_IPV6
    SOCKBUF_SET(SOL_IPV6),
#endif
#ifdef SOL_TCP
    SOCKBUF_SET(SOL_TCP),
#endif
#ifdef SOL_UDP
    SOCKBUF_SET(SOL_UDP),
#endif
#ifdef AF_UNSPEC
    SOCKBUF_SET(AF_UNSPEC),
#endif
#ifdef AF_UNIX
    SOCKBUF_SET(AF_UNIX),
#endif
#ifdef AF_INET
    SOCKBUF_SET(AF_INET),
#endif
#ifdef AF_INET6
    SOCKBUF_SET(AF_INET6),
#endif
#ifdef SOCK_STREAM
    SOCKBUF_SET(SOCK_STREAM),
#endif
#ifdef SOCK_DGRAM
    SOCKBUF_SET(SOCK_DGRAM),
#endif
#ifdef SOCK_RAW
    SOCKBUF_SET(SOCK_RAW),
#endif
#ifdef SOCK_SEQPACKET
    SOCKBUF_SET(SOCK_SEQPACKET),
#endif
#ifdef SO_DEBUG
    SOCKBUF_SET(SO_DEBUG),
#endif
#ifdef SO_REUSEADDR
    SOCKBUF_SET(SO_REUSEADDR),
#endif
#ifdef SO_REUSEPORT
    SOCKBUF_SET(SO_REUSEPORT),
#endif
#ifdef SO_REUSEPORT_LB
    SOCKBUF_SET(SO_REUSEPORT_LB),
#endif
#ifdef SO_TYPE
    SOCKBUF_SET(SO_TYPE),
#endif
#ifdef SO_ERROR
    SOCKBUF_SET(SO_ERROR),
#endif
#ifdef SO_DONTROUTE
    SOCKBUF_SET(SO_DONTROUTE),
#endif
#ifdef SO_BROADCAST
    SOCKBUF_SET(SO_BROADCAST),
#endif
#ifdef SO_SNDBUF
    SOCKBUF_SET(SO_SNDBUF),
#endif
#ifdef SO_RCVBUF
    SOCKBUF_SET(SO_RCVBUF),
#endif
#ifdef SO_SNDBUFFORCE
    SOCKBUF_SET(SO_SNDBUFFORCE),
#endif
#ifdef SO_RCVBUFFORCE
    SOCKBUF_SET(SO_RCVBUFFORCE),
#endif
#ifdef SO_KEEPALIVE
    SOCKBUF_SET(SO_KEEPALIVE),
#endif
#ifdef SO_OOBINLINE
    SOCKBUF_SET(SO_OOBINLINE),
#endif
#ifdef SO_NO_CHECK
    SOCKBUF_SET(SO_NO_CHECK),
#endif
#ifdef SO_PRIORITY
    SOCKBUF_SET(SO_PRIORITY),
#endif
#ifdef SO_LINGER
    SOCKBUF_SET(SO_LINGER),
#endif
#ifdef SO_LINGER_SEC
    SOCKBUF_SET(SO_LINGER_SEC),
#endif
#ifdef SO_BSDCOMPAT
    SOCKBUF_SET(SO_BSDCOMPAT),
#endif
#ifdef SO_PASSCRED
    SOCKBUF_SET(SO_PASSCRED),
#endif
#ifdef SO_PEERCRED
    SOCKBUF_SET(SO_PEERCRED),
#endif
#ifdef SO_RCVLOWAT
    SOCKBUF_SET(SO_RCVLOWAT),
#endif
#ifdef SO_SNDLOWAT
    SOCKBUF_SET(SO_SNDLOWAT),
#endif
#ifdef SO_RCVTIMEO
    SOCKBUF_SET(SO_RCVTIMEO),
#endif
#ifdef SO_SNDTIMEO
    SOCKBUF_SET(SO_SNDTIMEO),
#endif
#ifdef SO_BINDTODEVICE
    SOCKBUF_SET(SO_BINDTODEVICE),
#endif
#ifdef SO_BINDTOIFINDEX
    SOCKBUF_SET(SO_BINDTOIFINDEX),
#endif
#ifdef SO_TIMESTAMP
    SOCKBUF_SET(SO_TIMESTAMP),
#endif
#ifdef SO_TIMESTAMPNS
    SOCKBUF_SET(SO_TIMESTAMPNS),
#endif
#ifdef SO_TIMESTAMPING
    SOCKBUF_SET(SO_TIMESTAMPING),
#endif
#ifdef SO_TIMESTAMP_MONOTONIC
    SOCKBUF_SET(SO_TIMESTAMP_MONOTONIC),
#endif
#ifdef SO_ACCEPTCONN
    SOCKBUF_SET(SO_ACCEPTCONN),
#endif
#ifdef SO_PEERSEC
    SOCKBUF_SET(SO_PEERSEC),
#endif
#ifdef SO_PASSSEC
    SOCKBUF_SET(SO_PASSSEC),
#endif
#ifdef SO_MARK
    SOCKBUF_SET(SO_MARK),
#endif
#ifdef SO_PROTOCOL
    SOCKBUF_SET(SO_PROTOCOL),
#endif
#ifdef SO_DOMAIN
    SOCKBUF_SET(SO_DOMAIN),
#endif
#ifdef SO_RXQ_OVFL
    SOCKBUF_SET(SO_RXQ_OVFL),
#endif
#ifdef SO_WIFI_STATUS
    SOCKBUF_SET(SO_WIFI_STATUS),
#endif
#ifdef SO_PEEK_OFF
    SOCKBUF_SET(SO_PEEK_OFF),
#endif
#ifdef SO_NOFCS
    SOCKBUF_SET(SO_NOFCS),
#endif
#ifdef SO_LOCK_FILTER
    SOCKBUF_SET(SO_LOCK_FILTER),
#endif
#ifdef SO_SELECT_ERR_QUEUE
    SOCKBUF_SET(SO_SELECT_ERR_QUEUE),
#endif
#ifdef SO_BUSY_POLL
    SOCKBUF_SET(SO_BUSY_POLL),
#endif
#ifdef SO_PREFER_BUSY_POLL
    SOCKBUF_SET(SO_PREFER_BUSY_POLL),
#endif
#ifdef SO_BUSY_POLL_BUDGET
    SOCKBUF_SET(SO_BUSY_POLL_BUDGET),
#endif
#ifdef SO_MAX_PACING_RATE
    SOCKBUF_SET(SO_MAX_PACING_RATE),
#endif
#ifdef SO_INCOMING_CPU
    SOCKBUF_SET(SO_INCOMING_CPU),
#endif
#ifdef SO_MEMINFO
    SOCKBUF_SET(SO_MEMINFO),
#endif
#ifdef SO_INCOMING_NAPI_ID
    SOCKBUF_SET(SO_INCOMING_NAPI_ID),
#endif
#ifdef SO_COOKIE
    SOCKBUF_SET(SO_COOKIE),
#endif
#ifdef SO_PEERGROUPS
    SOCKBUF_SET(SO_PEERGROUPS),
#endif
#ifdef SO_ZEROCOPY
    SOCKBUF_SET(SO_ZEROCOPY),
#endif
#ifdef SO_TXTIME
    SOCKBUF_SET(SO_TXTIME),
#endif
#ifdef SO_NETNS_COOKIE
    SOCKBUF_SET(SO_NETNS_COOKIE),
#endif
#ifdef SO_BUF_LOCK
    SOCKBUF_SET(SO_BUF_LOCK),
#endif
#ifdef SO_RESERVE_MEM
    SOCKBUF_SET(SO_RESERVE_MEM),
#endif
#ifdef SO_TXREHASH
    SOCKBUF_SET(SO_TXREHASH),
#endif
#ifdef SO_RCVMARK
    SOCKBUF_SET(SO_RCVMARK),
#endif
#ifdef SO_PASSPIDFD
    SOCKBUF_SET(SO_PASSPIDFD),
#endif
#ifdef SO_PEERPIDFD
    SOCKBUF_SET(SO_PEERPIDFD),
#endif
#ifdef SO_NOSIGPIPE
    SOCKBUF_SET(SO_NOSIGPIPE),
#endif
#ifdef SO_NREAD
    SOCKBUF_SET(SO_NREAD),
#endif
#ifdef SO_NWRITE
    SOCKBUF_SET(SO_NWRITE),
#endif
#ifdef SO_USELOOPBACK
    SOCKBUF_SET(SO_USELOOPBACK),
#endif
#ifdef SO_NOTIFYCONFLICT
    SOCKBUF_SET(SO_NOTIFYCONFLICT),
#endif
#ifdef SO_NUMRCVPKT
    SOCKBUF_SET(SO_NUMRCVPKT),
#endif
#ifdef SO_NET_SERVICE_TYPE
    SOCKBUF_SET(SO_NET_SERVICE_TYPE),
#endif
#ifdef SO_NETSVC_MARKING_LEVEL
    SOCKBUF_SET(SO_NETSVC_MARKING_LEVEL),
#endif
#ifdef SO_RANDOMPORT
    SOCKBUF_SET(SO_RANDOMPORT),
#endif
#ifdef SO_NP_EXTENSIONS
    SOCKBUF_SET(SO_NP_EXTENSIONS),
#endif
#ifdef SO_USER_COOKIE
    SOCKBUF_SET(SO_USER_COOKIE),
#endif
#ifdef IPPROTO_IP
    SOCKBUF_SET(IPPROTO_IP),
#endif
#ifdef IPPROTO_IPV6
    SOCKBUF_SET(IPPROTO_IPV6),
#endif
#ifdef IPPROTO_TCP
    SOCKBUF_SET(IPPROTO_TCP),
#endif
#ifdef IPPROTO_UDP
    SOCKBUF_SET(IPPROTO_UDP),
#endif
#ifdef IPPROTO_UDPLITE
    SOCKBUF_SET(IPPROTO_UDPLITE),
#endif
#ifdef IPPROTO_SCTP
    SOCKBUF_SET(IPPROTO_SCTP),
#endif
#ifdef IPPROTO_ICMP
    SOCKBUF_SET(IPPROTO_ICMP),
#endif
#ifdef IPPROTO_ICMPV6
    SOCKBUF_SET(IPPROTO_ICMPV6),
#endif
#ifdef IPPROTO_RAW
    SOCKBUF_SET(IPPROTO_RAW),
#endif
#ifdef IPPROTO_MPTCP
    SOCKBUF_SET(IPPROTO_MPTCP),
#endif
#ifdef TCP_NODELAY
    SOCKBUF_SET(TCP_NODELAY),
#endif
#ifdef TCP_MAXSEG
    SOCKBUF_SET(TCP_MAXSEG),
#endif
#ifdef TCP_CORK
    SOCKBUF_SET(TCP_CORK),
#endif
#ifdef TCP_KEEPIDLE
    SOCKBUF_SET(TCP_KEEPIDLE),
#endif
#ifdef TCP_KEEPINTVL
    SOCKBUF_SET(TCP_KEEPINTVL),
#endif
#ifdef TCP_KEEPCNT
    SOCKBUF_SET(TCP_KEEPCNT),
#endif
#ifdef TCP_KEEPALIVE
    SOCKBUF_SET(TCP_KEEPALIVE),
#endif
#ifdef TCP_SYNCNT
    SOCKBUF_SET(TCP_SYNCNT),
#endif
#ifdef TCP_LINGER2
    SOCKBUF_SET(TCP_LINGER2),
#endif
#ifdef TCP_DEFER_ACCEPT
    SOCKBUF_SET(TCP_DEFER_ACCEPT),
#endif
#ifdef TCP_WINDOW_CLAMP
    SOCKBUF_SET(TCP_WINDOW_CLAMP),
#endif
#ifdef TCP_INFO
    SOCKBUF_SET(TCP_INFO),
#endif
#ifdef TCP_QUICKACK
    SOCKBUF_SET(TCP_QUICKACK),
#endif
#ifdef TCP_CONGESTION
    SOCKBUF_SET(TCP_CONGESTION),
#endif
#ifdef TCP_MD5SIG
    SOCKBUF_SET(TCP_MD5SIG),
#endif
#ifdef TCP_THIN_LINEAR_TIMEOUTS
    SOCKBUF_SET(TCP_THIN_LINEAR_TIMEOUTS),
#endif
#ifdef TCP_THIN_DUPACK
    SOCKBUF_SET(TCP_THIN_DUPACK),
#endif
#ifdef TCP_USER_TIMEOUT
    SOCKBUF_SET(TCP_USER_TIMEOUT),
#endif
#ifdef TCP_REPAIR
    SOCKBUF_SET(TCP_REPAIR),
#endif
#ifdef TCP_REPAIR_QUEUE
    SOCKBUF_SET(TCP_REPAIR_QUEUE),
#endif
#ifdef TCP_QUEUE_SEQ
    SOCKBUF_SET(TCP_QUEUE_SEQ),
#endif
#ifdef TCP_REPAIR_OPTIONS
    SOCKBUF_SET(TCP_REPAIR_OPTIONS),
#endif
#ifdef TCP_FASTOPEN
    SOCKBUF_SET(TCP_FASTOPEN),
#endif
#ifdef TCP_TIMESTAMP
    SOCKBUF_SET(TCP_TIMESTAMP),
#endif
#ifdef TCP_NOTSENT_LOWAT
    SOCKBUF_SET(TCP_NOTSENT_LOWAT),
#endif
#ifdef TCP_CC_INFO
    SOCKBUF_SET(TCP_CC_INFO),
#endif
#ifdef TCP_SAVE_SYN
    SOCKBUF_SET(TCP_SAVE_SYN),
#endif
#ifdef TCP_SAVED_SYN
    SOCKBUF_SET(TCP_SAVED_SYN),
#endif
#ifdef TCP_REPAIR_WINDOW
    SOCKBUF_SET(TCP_REPAIR_WINDOW),
#endif
#ifdef TCP_FASTOPEN_CONNECT
    SOCKBUF_SET(TCP_FASTOPEN_CONNECT),
#endif
#ifdef TCP_ULP
    SOCKBUF_SET(TCP_ULP),
#endif
#ifdef TCP_MD5SIG_EXT
    SOCKBUF_SET(TCP_MD5SIG_EXT),
#endif
#ifdef TCP_FASTOPEN_KEY
    SOCKBUF_SET(TCP_FASTOPEN_KEY),
#endif
#ifdef TCP_FASTOPEN_NO_COOKIE
    SOCKBUF_SET(TCP_FASTOPEN_NO_COOKIE),
#endif
#ifdef TCP_ZEROCOPY_RECEIVE
    SOCKBUF_SET(TCP_ZEROCOPY_RECEIVE),
#endif
#ifdef TCP_INQ
    SOCKBUF_SET(TCP_INQ),
#endif
#ifdef TCP_TX_DELAY
    SOCKBUF_SET(TCP_TX_DELAY),
#endif
#ifdef TCP_NOPUSH
    SOCKBUF_SET(TCP_NOPUSH),
#endif
#ifdef TCP_NOOPT
    SOCKBUF_SET(TCP_NOOPT),
#endif
#ifdef TCP_CONNECTIONTIMEOUT
    SOCKBUF_SET(TCP_CONNECTIONTIMEOUT),
#endif
#ifdef TCP_RXT_CONNDROPTIME
    SOCKBUF_SET(TCP_RXT_CONNDROPTIME),
#endif
#ifdef TCP_RXT_FINDROP
    SOCKBUF_SET(TCP_RXT_FINDROP),
#endif
#ifdef TCP_SENDMOREACKS
    SOCKBUF_SET(TCP_SENDMOREACKS),
#endif
#ifdef TCP_ENABLE_ECN
    SOCKBUF_SET(TCP_ENABLE_ECN),
#endif
#ifdef TCP_CONNECTION_INFO
    SOCKBUF_SET(TCP_CONNECTION_INFO),
#endif
#ifdef TCP_ADAPTIVE_READ_TIMEOUT
    SOCKBUF_SET(TCP_ADAPTIVE_READ_TIMEOUT),
#endif
#ifdef TCP_ADAPTIVE_WRITE_TIMEOUT
    SOCKBUF_SET(TCP_ADAPTIVE_WRITE_TIMEOUT),
#endif
#ifdef TCP_NOTIMEWAIT
    SOCKBUF_SET(TCP_NOTIMEWAIT),
#endif
#ifdef TCP_DISABLE_BLACKHOLE_DETECTION
    SOCKBUF_SET(TCP_DISABLE_BLACKHOLE_DETECTION),
#endif
#ifdef UDP_CORK
    SOCKBUF_SET(UDP_CORK),
#endif
#ifdef UDP_ENCAP
    SOCKBUF_SET(UDP_ENCAP),
#endif
#ifdef UDP_NO_CHECK6_TX
    SOCKBUF_SET(UDP_NO_CHECK6_TX),
#endif
#ifdef UDP_NO_CHECK6_RX
    SOCKBUF_SET(UDP_NO_CHECK6_RX),
#endif
#ifdef UDP_SEGMENT
    SOCKBUF_SET(UDP_SEGMENT),
#endif
#ifdef UDP_GRO
    SOCKBUF_SET(UDP_GRO),
#endif
#ifdef UDP_NOCKSUM
    SOCKBUF_SET(UDP_NOCKSUM),
#endif
#ifdef IP_TOS
    SOCKBUF_SET(IP_TOS),
#endif
#ifdef IP_TTL
    SOCKBUF_SET(IP_TTL),
#endif
#ifdef IP_HDRINCL
    SOCKBUF_SET(IP_HDRINCL),
#endif
#ifdef IP_OPTIONS
    SOCKBUF_SET(IP_OPTIONS),
#endif
#ifdef IP_RECVOPTS
    SOCKBUF_SET(IP_RECVOPTS),
#endif
#ifdef IP_RETOPTS
    SOCKBUF_SET(IP_RETOPTS),
#endif
#ifdef IP_RECVRETOPTS
    SOCKBUF_SET(IP_RECVRETOPTS),
#endif
#ifdef IP_PKTINFO
    SOCKBUF_SET(IP_PKTINFO),
#endif
#ifdef IP_PKTOPTIONS
    SOCKBUF_SET(IP_PKTOPTIONS),
#endif
#ifdef IP_MTU_DISCOVER
    SOCKBUF_SET(IP_MTU_DISCOVER),
#endif
#ifdef IP_RECVERR
    SOCKBUF_SET(IP_RECVERR),
#endif
#ifdef IP_RECVTTL
    SOCKBUF_SET(IP_RECVTTL),
#endif
#ifdef IP_RECVTOS
    SOCKBUF_SET(IP_RECVTOS),
#endif
#ifdef IP_MTU
    SOCKBUF_SET(IP_MTU),
#endif
#ifdef IP_FREEBIND
    SOCKBUF_SET(IP_FREEBIND),
#endif
#ifdef IP_IPSEC_POLICY
    SOCKBUF_SET(IP_IPSEC_POLICY),
#endif
#ifdef IP_XFRM_POLICY
    SOCKBUF_SET(IP_XFRM_POLICY),
#endif
#ifdef IP_PASSSEC
    SOCKBUF_SET(IP_PASSSEC),
#endif
#ifdef IP_TRANSPARENT
    SOCKBUF_SET(IP_TRANSPARENT),
#endif
#ifdef IP_ORIGDSTADDR
    SOCKBUF_SET(IP_ORIGDSTADDR),
#endif
#ifdef IP_RECVORIGDSTADDR
    SOCKBUF_SET(IP_RECVORIGDSTADDR),
#endif
#ifdef IP_MINTTL
    SOCKBUF_SET(IP_MINTTL),
#endif
#ifdef IP_NODEFRAG
    SOCKBUF_SET(IP_NODEFRAG),
#endif
#ifdef IP_CHECKSUM
    SOCKBUF_SET(IP_CHECKSUM),
#endif
#ifdef IP_BIND_ADDRESS_NO_PORT
    SOCKBUF_SET(IP_BIND_ADDRESS_NO_PORT),
#endif
#ifdef IP_RECVFRAGSIZE
    SOCKBUF_SET(IP_RECVFRAGSIZE),
#endif
#ifdef IP_RECVERR_RFC4884
    SOCKBUF_SET(IP_RECVERR_RFC4884),
#endif
#ifdef IP_MULTICAST_IF
    SOCKBUF_SET(IP_MULTICAST_IF),
#endif
#ifdef IP_MULTICAST_TTL
    SOCKBUF_SET(IP_MULTICAST_TTL),
#endif
#ifdef IP_MULTICAST_LOOP
    SOCKBUF_SET(IP_MULTICAST_LOOP),
#endif
#ifdef IP_ADD_MEMBERSHIP
    SOCKBUF_SET(IP_ADD_MEMBERSHIP),
#endif
#ifdef IP_DROP_MEMBERSHIP
    SOCKBUF_SET(IP_DROP_MEMBERSHIP),
#endif
#ifdef IP_UNBLOCK_SOURCE
    SOCKBUF_SET(IP_UNBLOCK_SOURCE),
#endif
#ifdef IP_BLOCK_SOURCE
    SOCKBUF_SET(IP_BLOCK_SOURCE),
#endif
#ifdef IP_ADD_SOURCE_MEMBERSHIP
    SOCKBUF_SET(IP_ADD_SOURCE_MEMBERSHIP),
#endif
#ifdef IP_DROP_SOURCE_MEMBERSHIP
    SOCKBUF_SET(IP_DROP_SOURCE_MEMBERSHIP),
#endif
#ifdef IP_MULTICAST_ALL
    SOCKBUF_SET(IP_MULTICAST_ALL),
#endif
#ifdef IP_UNICAST_IF
    SOCKBUF_SET(IP_UNICAST_IF),
#endif
#ifdef IP_LOCAL_PORT_RANGE
    SOCKBUF_SET(IP_LOCAL_PORT_RANGE),
#endif
#ifdef IP_PMTUDISC_DONT
    SOCKBUF_SET(IP_PMTUDISC_DONT),
#endif
#ifdef IP_PMTUDISC_WANT
    SOCKBUF_SET(IP_PMTUDISC_WANT),
#endif
#ifdef IP_PMTUDISC_DO
    SOCKBUF_SET(IP_PMTUDISC_DO),
#endif
#ifdef IP_PMTUDISC_PROBE
    SOCKBUF_SET(IP_PMTUDISC_PROBE),
#endif
#ifdef IP_PMTUDISC_INTERFACE
    SOCKBUF_SET(IP_PMTUDISC_INTERFACE),
#endif
#ifdef IP_PMTUDISC_OMIT
    SOCKBUF_SET(IP_PMTUDISC_OMIT),
#endif
#ifdef IP_BOUND_IF
    SOCKBUF_SET(IP_BOUND_IF),
#endif
#ifdef IP_DONTFRAG
    SOCKBUF_SET(IP_DONTFRAG),
#endif
#ifdef IP_RECVDSTADDR
    SOCKBUF_SET(IP_RECVDSTADDR),
#endif
#ifdef IP_RECVIF
    SOCKBUF_SET(IP_RECVIF),
#endif
#ifdef IP_RECVPKTINFO
    SOCKBUF_SET(IP_RECVPKTINFO),
#endif
#ifdef IP_PORTRANGE
    SOCKBUF_SET(IP_PORTRANGE),
#endif
#ifdef IP_STRIPHDR
    SOCKBUF_SET(IP_STRIPHDR),
#endif
#ifdef IPV6_ADDRFORM
    SOCKBUF_SET(IPV6_ADDRFORM),
#endif
#ifdef IPV6_2292PKTINFO
    SOCKBUF_SET(IPV6_2292PKTINFO),
#endif
#ifdef IPV6_2292HOPOPTS
    SOCKBUF_SET(IPV6_2292HOPOPTS),
#endif
#ifdef IPV6_2292DSTOPTS
    SOCKBUF_SET(IPV6_2292DSTOPTS),
#endif
#ifdef IPV6_2292RTHDR
    SOCKBUF_SET(IPV6_2292RTHDR),
#endif
#ifdef IPV6_2292PKTOPTIONS
    SOCKBUF_SET(IPV6_2292PKTOPTIONS),
#endif
#ifdef IPV6_CHECKSUM
    SOCKBUF_SET(IPV6_CHECKSUM),
#endif
#ifdef IPV6_2292HOPLIMIT
    SOCKBUF_SET(IPV6_2292HOPLIMIT),
#endif
#ifdef IPV6_NEXTHOP
    SOCKBUF_SET(IPV6_NEXTHOP),
#endif
#ifdef IPV6_AUTHHDR
    SOCKBUF_SET(IPV6_AUTHHDR),
#endif
#ifdef IPV6_UNICAST_HOPS
    SOCKBUF_SET(IPV6_UNICAST_HOPS),
#endif
#ifdef IPV6_MULTICAST_IF
    SOCKBUF_SET(IPV6_MULTICAST_IF),
#endif
#ifdef IPV6_MULTICAST_HOPS
    SOCKBUF_SET(IPV6_MULTICAST_HOPS),
#endif
#ifdef IPV6_MULTICAST_LOOP
    SOCKBUF_SET(IPV6_MULTICAST_LOOP),
#endif
#ifdef IPV6_JOIN_GROUP
    SOCKBUF_SET(IPV6_JOIN_GROUP),
#endif
#ifdef IPV6_LEAVE_GROUP
    SOCKBUF_SET(IPV6_LEAVE_GROUP),
#endif
#ifdef IPV6_ROUTER_ALERT
    SOCKBUF_SET(IPV6_ROUTER_ALERT),
#endif
#ifdef IPV6_MTU_DISCOVER
    SOCKBUF_SET(IPV6_MTU_DISCOVER),
#endif
#ifdef IPV6_MTU
    SOCKBUF_SET(IPV6_MTU),
#endif
#ifdef IPV6_RECVERR
    SOCKBUF_SET(IPV6_RECVERR),
#endif
#ifdef IPV6_V6ONLY
    SOCKBUF_SET(IPV6_V6ONLY),
#endif
#ifdef IPV6_JOIN_ANYCAST
    SOCKBUF_SET(IPV6_JOIN_ANYCAST),
#endif
#ifdef IPV6_LEAVE_ANYCAST
    SOCKBUF_SET(IPV6_LEAVE_ANYCAST),
#endif
#ifdef IPV6_MULTICAST_ALL
    SOCKBUF_SET(IPV6_MULTICAST_ALL),
#endif
#ifdef IPV6_ROUTER_ALERT_ISOLATE
    SOCKBUF_SET(IPV6_ROUTER_ALERT_ISOLATE),
#endif
#ifdef IPV6_RECVERR_RFC4884
    SOCKBUF_SET(IPV6_RECVERR_RFC4884),
#endif
#ifdef IPV6_IPSEC_POLICY
    SOCKBUF_SET(IPV6_IPSEC_POLICY),
#endif
#ifdef IPV6_XFRM_POLICY
    SOCKBUF_SET(IPV6_XFRM_POLICY),
#endif
#ifdef IPV6_HDRINCL
    SOCKBUF_SET(IPV6_HDRINCL),
#endif
#ifdef IPV6_RECVPKTINFO
    SOCKBUF_SET(IPV6_RECVPKTINFO),
#endif
#ifdef IPV6_PKTINFO
    SOCKBUF_SET(IPV6_PKTINFO),
#endif
#ifdef IPV6_RECVHOPLIMIT
    SOCKBUF_SET(IPV6_RECVHOPLIMIT),
#endif
#ifdef IPV6_HOPLIMIT
    SOCKBUF_SET(IPV6_HOPLIMIT),
#endif
#ifdef IPV6_RECVHOPOPTS
    SOCKBUF_SET(IPV6_RECVHOPOPTS),
#endif
#ifdef IPV6_HOPOPTS
    SOCKBUF_SET(IPV6_HOPOPTS),
#endif
#ifdef IPV6_RTHDRDSTOPTS
    SOCKBUF_SET(IPV6_RTHDRDSTOPTS),
#endif
#ifdef IPV6_RECVRTHDR
    SOCKBUF_SET(IPV6_RECVRTHDR),
#endif
#ifdef IPV6_RTHDR
    SOCKBUF_SET(IPV6_RTHDR),
#endif
#ifdef IPV6_RECVDSTOPTS
    SOCKBUF_SET(IPV6_RECVDSTOPTS),
#endif
#ifdef IPV6_DSTOPTS
    SOCKBUF_SET(IPV6_DSTOPTS),
#endif
#ifdef IPV6_RECVPATHMTU
    SOCKBUF_SET(IPV6_RECVPATHMTU),
#endif
#ifdef IPV6_PATHMTU
    SOCKBUF_SET(IPV6_PATHMTU),
#endif
#ifdef IPV6_DONTFRAG
    SOCKBUF_SET(IPV6_DONTFRAG),
#endif
#ifdef IPV6_RECVTCLASS
    SOCKBUF_SET(IPV6_RECVTCLASS),
#endif
#ifdef IPV6_TCLASS
    SOCKBUF_SET(IPV6_TCLASS),
#endif
#ifdef IPV6_AUTOFLOWLABEL
    SOCKBUF_SET(IPV6_AUTOFLOWLABEL),
#endif
#ifdef IPV6_ADDR_PREFERENCES
    SOCKBUF_SET(IPV6_ADDR_PREFERENCES),
#endif
#ifdef IPV6_MINHOPCOUNT
    SOCKBUF_SET(IPV6_MINHOPCOUNT),
#endif
#ifdef IPV6_ORIGDSTADDR
    SOCKBUF_SET(IPV6_ORIGDSTADDR),
#endif
#ifdef IPV6_RECVORIGDSTADDR
    SOCKBUF_SET(IPV6_RECVORIGDSTADDR),
#endif
#ifdef IPV6_TRANSPARENT
    SOCKBUF_SET(IPV6_TRANSPARENT),
#endif
#ifdef IPV6_UNICAST_IF
    SOCKBUF_SET(IPV6_UNICAST_IF),
#endif
#ifdef IPV6_RECVFRAGSIZE
    SOCKBUF_SET(IPV6_RECVFRAGSIZE),
#endif
#ifdef IPV6_FREEBIND
    SOCKBUF_SET(IPV6_FREEBIND),
#endif
#ifdef IPV6_PMTUDISC_DONT
    SOCKBUF_SET(IPV6_PMTUDISC_DONT),
#endif
#ifdef IPV6_PMTUDISC_WANT
    SOCKBUF_SET(IPV6_PMTUDISC_WANT),
#endif
#ifdef IPV6_PMTUDISC_DO
    SOCKBUF_SET(IPV6_PMTUDISC_DO),
#endif
#ifdef IPV6_PMTUDISC_PROBE
    SOCKBUF_SET(IPV6_PMTUDISC_PROBE),
#endif
#ifdef IPV6_PMTUDISC_INTERFACE
    SOCKBUF_SET(IPV6_PMTUDISC_INTERFACE),
#endif
#ifdef IPV6_PMTUDISC_OMIT
    SOCKBUF_SET(IPV6_PMTUDISC_OMIT),
#endif
#ifdef IPV6_BOUND_IF
    SOCKBUF_SET(IPV6_BOUND_IF),
#endif
#ifdef IPV6_USE_MIN_MTU
    SOCKBUF_SET(IPV6_USE_MIN_MTU),
#endif
#ifdef IPV6_PREFER_TEMPADDR
    SOCKBUF_SET(IPV6_PREFER_TEMPADDR),
#endif
#ifdef SIOCINQ
    SOCKBUF_SET(SIOCINQ),
#endif
#ifdef SIOCOUTQ
    SOCKBUF_SET(SIOCOUTQ),
#endif
#ifdef SIOCOUTQNSD
    SOCKBUF_SET(SIOCOUTQNSD),
#endif
#ifdef FIONREAD
    SOCKBUF_SET(FIONREAD),
#endif
#undef SOCKBUF_SET
};

namespace {

template <typename F>
void ForEachConstant(F f) {
  for (const ConstantEntry& c : kConstants) f(c);
  size_t count = 0;
  const ConstantEntry* platform = PlatformConstants(&count);
  for (size_t i = 0; i < count; i++) f(platform[i]);
}

// makeConstants() -> a new object of every constant (lib/constants.ts calls
// it once, on the first read of `constants`).
Napi::Value MakeConstants(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object target = Napi::Object::New(env);
  // Defined, not assigned (native/put.h): the table is made at its first
  // read, long after the program started, and a setter the program put on
  // Object.prototype must neither run nor take a constant's place.
  ForEachConstant([&](const ConstantEntry& c) {
    Put(env, target, c.name, static_cast<double>(c.value));
  });
  return target;
}

// constant(name) -> its number, or undefined where the platform lacks it:
// what sockbuf's own modules read at load, without making the object.
Napi::Value Constant(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return env.Undefined();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  Napi::Value found = env.Undefined();
  ForEachConstant([&](const ConstantEntry& c) {
    if (found.IsUndefined() && name == c.name)
      found = Napi::Number::New(env, c.value);
  });
  return found;
}

}  // namespace

void AddConstantFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("makeConstants",
              Napi::Function::New(env, MakeConstants, "makeConstants"));
  exports.Set("constant", Napi::Function::New(env, Constant, "constant"));
  // `constants` as a getter: the JavaScript of a build that read the object
  // from the binary (sockbuf 0.1's lib/constants.ts reads it once at load)
  // still works with this binary, and nothing is made unless it is read.
  exports.DefineProperty(Napi::PropertyDescriptor::Accessor<MakeConstants>(
      "constants", napi_enumerable));
}

}  // namespace sockbuf
