/*
 * The C floor for bench/run.js: the system calls each sockbuf function makes,
 * made directly by C on the same kind of socket, in a process with an idle
 * second thread as Node always has (Linux takes a slower file-descriptor
 * lookup once a process has a second thread).
 *
 * usage: cloop get|set CALLS [SLICES]
 *   -> {"ns":<per call>,"threads":2,"value":<SO_RCVBUF after>,"sum":..}
 * usage: cloop multi SLICES MODE:CALLS...
 *   -> {"MODE":<ns per call>,...}
 * Each measurement runs its calls in SLICES equal slices; "ns" is the fastest
 * slice's time per call, as bench/syscall.js and bench/calls.js take it for
 * JavaScript. The modes (socket: UDP unless said otherwise):
 *   get_int      getsockopt SO_RCVBUF (int)
 *   set_int      setsockopt SO_RCVBUF 65536
 *   get_bool     getsockopt SO_REUSEADDR
 *   set_bool     setsockopt SO_REUSEADDR 1
 *   get_linger   getsockopt SO_LINGER (struct linger)
 *   set_linger   setsockopt SO_LINGER
 *   get_timeval  getsockopt SO_RCVTIMEO (struct timeval)
 *   set_timeval  setsockopt SO_RCVTIMEO
 *   get_two      getsockopt SO_RCVBUF, getsockopt SO_SNDBUF
 *   get_snd      getsockopt SO_SNDBUF
 *   set_snd      setsockopt SO_SNDBUF 65536
 *   set_get      setsockopt SO_RCVBUF, getsockopt SO_RCVBUF
 *   set_get_snd  setsockopt SO_SNDBUF, getsockopt SO_SNDBUF
 *   set_get_two  the same for SO_RCVBUF and SO_SNDBUF
 *   meminfo      getsockopt SO_MEMINFO (Linux)
 *   queued       ioctl SIOCINQ, SIOCOUTQ, SIOCOUTQNSD on a connected TCP socket (Linux)
 *   tcpinfo      getsockopt TCP_INFO on a connected TCP socket, the kernel's whole struct (Linux)
 *   limits       open, read, close of the 14 procfs files systemLimits reads
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>
#endif

static void *idle(void *arg) {
  (void)arg;
  for (;;) sleep(3600);
  return NULL;
}

static int fail(const char *what) {
  perror(what);
  return 1;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int udp_fd = -1;
static int tcp_fd = -1;
static long sink = 0;

static const char *const kLimitFiles[] = {
    "/proc/sys/net/core/rmem_max",          "/proc/sys/net/core/wmem_max",
    "/proc/sys/net/core/rmem_default",      "/proc/sys/net/core/wmem_default",
    "/proc/sys/net/core/optmem_max",        "/proc/sys/net/ipv4/tcp_rmem",
    "/proc/sys/net/ipv4/tcp_wmem",          "/proc/sys/net/ipv4/tcp_mem",
    "/proc/sys/net/ipv4/udp_mem",           "/proc/sys/net/ipv4/tcp_window_scaling",
    "/proc/sys/net/ipv4/tcp_moderate_rcvbuf", "/proc/sys/net/ipv4/tcp_adv_win_scale",
    "/proc/sys/net/ipv4/udp_rmem_min",      "/proc/sys/net/ipv4/udp_wmem_min",
};

/* One call of each mode; 0 on success. */
static int get_int(void) {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) return fail("getsockopt");
  sink += value;
  return 0;
}

static int set_int(void) {
  int value = 65536;
  if (setsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof(value)) != 0) return fail("setsockopt");
  return 0;
}

static int get_linger(void) {
  struct linger l;
  socklen_t len = sizeof(l);
  if (getsockopt(udp_fd, SOL_SOCKET, SO_LINGER, &l, &len) != 0) return fail("getsockopt");
  sink += l.l_linger;
  return 0;
}

static int set_linger(void) {
  struct linger l = {1, 5};
  if (setsockopt(udp_fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l)) != 0) return fail("setsockopt");
  return 0;
}

static int get_timeval(void) {
  struct timeval tv;
  socklen_t len = sizeof(tv);
  if (getsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len) != 0) return fail("getsockopt");
  sink += tv.tv_usec;
  return 0;
}

static int set_timeval(void) {
  struct timeval tv = {1, 500000};
  if (setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) return fail("setsockopt");
  return 0;
}

static int get_one(int option) {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(udp_fd, SOL_SOCKET, option, &value, &len) != 0) return fail("getsockopt");
  sink += value;
  return 0;
}

static int get_bool(void) { return get_one(SO_REUSEADDR); }

static int set_bool(void) {
  int value = 1;
  if (setsockopt(udp_fd, SOL_SOCKET, SO_REUSEADDR, &value, sizeof(value)) != 0) return fail("setsockopt");
  return 0;
}

static int get_two(void) { return get_one(SO_RCVBUF) || get_one(SO_SNDBUF); }

static int set_get_one(int option) {
  int value = 65536;
  if (setsockopt(udp_fd, SOL_SOCKET, option, &value, sizeof(value)) != 0) return fail("setsockopt");
  return get_one(option);
}

static int set_get(void) { return set_get_one(SO_RCVBUF); }

static int set_get_snd(void) { return set_get_one(SO_SNDBUF); }

static int get_snd(void) { return get_one(SO_SNDBUF); }

static int set_snd(void) {
  int value = 65536;
  if (setsockopt(udp_fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof(value)) != 0) return fail("setsockopt");
  return 0;
}

static int set_get_two(void) { return set_get_one(SO_RCVBUF) || set_get_one(SO_SNDBUF); }

#ifdef __linux__
static int meminfo(void) {
  unsigned int mem[SK_MEMINFO_VARS];
  socklen_t len = sizeof(mem);
  if (getsockopt(udp_fd, SOL_SOCKET, SO_MEMINFO, mem, &len) != 0) return fail("getsockopt");
  sink += mem[SK_MEMINFO_RCVBUF];
  return 0;
}

static int queued(void) {
  int value = 0;
  if (ioctl(tcp_fd, SIOCINQ, &value) != 0) return fail("ioctl");
  sink += value;
  if (ioctl(tcp_fd, SIOCOUTQ, &value) != 0) return fail("ioctl");
  sink += value;
  if (ioctl(tcp_fd, SIOCOUTQNSD, &value) != 0) return fail("ioctl");
  sink += value;
  return 0;
}

static int tcpinfo(void) {
  /* As much as the kernel fills (sockbuf asks for its header's struct,
   * at most that): the work is tcp_get_info's, whatever the length. */
  unsigned char info[512];
  socklen_t len = sizeof(info);
  if (getsockopt(tcp_fd, IPPROTO_TCP, TCP_INFO, info, &len) != 0) return fail("getsockopt");
  sink += info[0] + (long)len;
  return 0;
}
#endif

static int limits(void) {
  char buf[256];
  for (size_t i = 0; i < sizeof(kLimitFiles) / sizeof(kLimitFiles[0]); i++) {
    int fd = open(kLimitFiles[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n > 0) {
      buf[n] = 0;
      sink += strtol(buf, NULL, 10);
    }
  }
  return 0;
}

typedef int (*mode_fn)(void);
static const struct {
  const char *name;
  mode_fn fn;
} kModes[] = {
    {"get_int", get_int},         {"set_int", set_int},         {"get_linger", get_linger},
    {"set_linger", set_linger},   {"get_timeval", get_timeval}, {"set_timeval", set_timeval},
    {"get_bool", get_bool},       {"set_bool", set_bool},
    {"get_snd", get_snd},         {"set_snd", set_snd},         {"set_get_snd", set_get_snd},
    {"get_two", get_two},         {"set_get", set_get},         {"set_get_two", set_get_two},
#ifdef __linux__
    {"meminfo", meminfo},         {"queued", queued},           {"tcpinfo", tcpinfo},
#endif
    {"limits", limits},
};

static mode_fn find_mode(const char *name) {
  for (size_t i = 0; i < sizeof(kModes) / sizeof(kModes[0]); i++)
    if (strcmp(kModes[i].name, name) == 0) return kModes[i].fn;
  fprintf(stderr, "cloop: unknown mode %s\n", name);
  return NULL;
}

/* A connected TCP socket on loopback (the client side), for "queued". */
static int tcp_connected(void) {
  int listener = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof(addr));
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof(addr);
  if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(listener, 1) != 0 ||
      getsockname(listener, (struct sockaddr *)&addr, &alen) != 0)
    return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) return -1;
  if (accept(listener, NULL, NULL) < 0) return -1;
  return fd;
}

/* The fastest slice's ns per call of MODE over CALLS calls. */
static double measure(const char *name, long calls, long slices) {
  mode_fn once = find_mode(name);
  if (once == NULL) return -1;
  for (long i = 0; i < calls / 10 + 1; i++)
    if (once() != 0) return -1;
  if (slices < 1 || slices > calls) slices = 1;
  long per_slice = calls / slices;
  double best = -1;
  for (long s = 0; s < slices; s++) {
    double t0 = now_ns();
    for (long i = 0; i < per_slice; i++)
      if (once() != 0) return -1;
    double ns = (now_ns() - t0) / (double)per_slice;
    if (best < 0 || ns < best) best = ns;
  }
  return best;
}

int main(int argc, char **argv) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, idle, NULL) != 0) return fail("pthread_create");
  udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (udp_fd < 0) return fail("socket");
  /* The same kind of socket as the bench's dgram socket: bound to loopback
   * and, on Linux, watched for input by an epoll instance as libuv watches
   * it. Some calls cost more on such a socket (setting SO_SNDBUF: about
   * 640 ns unbound, 750-850 ns bound and watched, in the bench's set_get_snd). */
  struct sockaddr_in local;
  memset(&local, 0, sizeof(local));
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(udp_fd, (struct sockaddr *)&local, sizeof(local)) != 0) return fail("bind");
#ifdef __linux__
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) return fail("epoll_create1");
  struct epoll_event ev;
  memset(&ev, 0, sizeof(ev));
  ev.events = EPOLLIN;
  ev.data.fd = udp_fd;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, udp_fd, &ev) != 0) return fail("epoll_ctl");
#endif
  if (argc > 3 && strcmp(argv[1], "multi") == 0) {
    long slices = atol(argv[2]);
    printf("{");
    for (int i = 3; i < argc; i++) {
      char mode[64];
      const char *colon = strchr(argv[i], ':');
      if (colon == NULL || (size_t)(colon - argv[i]) >= sizeof(mode)) {
        fprintf(stderr, "cloop: expected MODE:CALLS, got %s\n", argv[i]);
        return 2;
      }
      memcpy(mode, argv[i], (size_t)(colon - argv[i]));
      mode[colon - argv[i]] = 0;
      if ((strcmp(mode, "queued") == 0 || strcmp(mode, "tcpinfo") == 0) && tcp_fd < 0 && (tcp_fd = tcp_connected()) < 0)
        return fail("tcp");
      double ns = measure(mode, atol(colon + 1), slices);
      if (ns < 0) return 1;
      printf("%s\"%s\":%.2f", i > 3 ? "," : "", mode, ns);
    }
    printf("}\n");
    return 0;
  }
  int set = argc > 2 && strcmp(argv[1], "set") == 0;
  long calls = argc > 2 ? atol(argv[2]) : 0;
  if (calls <= 0 || (!set && strcmp(argv[1], "get") != 0)) {
    fprintf(stderr, "usage: cloop get|set CALLS [SLICES] | cloop multi SLICES MODE:CALLS...\n");
    return 2;
  }
  double ns = measure(set ? "set_int" : "get_int", calls, argc > 3 ? atol(argv[3]) : 1);
  if (ns < 0) return 1;
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(udp_fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) return fail("getsockopt");
  printf("{\"ns\":%.2f,\"threads\":2,\"value\":%d,\"sum\":%ld}\n", ns, value, sink);
  close(udp_fd);
  return 0;
}
