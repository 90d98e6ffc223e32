/*
 * Reference loop for bench/run.js: the cost of getsockopt/setsockopt(SO_RCVBUF)
 * on a UDP socket in a multi-threaded process, as Node always is (Linux takes a
 * slower file-descriptor lookup once a process has a second thread).
 *
 * usage: cloop get|set CALLS [SLICES]
 *   -> {"ns":<per call>,"threads":2,"value":<SO_RCVBUF after>,"sum":..}
 * The calls run in SLICES equal slices (default 1); "ns" is the fastest
 * slice's time per call, as bench/syscall.js takes it for JavaScript.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv) {
  int set = argc > 2 && strcmp(argv[1], "set") == 0;
  long calls = argc > 2 ? atol(argv[2]) : 0;
  if (calls <= 0 || (!set && strcmp(argv[1], "get") != 0)) {
    fprintf(stderr, "usage: cloop get|set CALLS [SLICES]\n");
    return 2;
  }
  pthread_t thread;
  if (pthread_create(&thread, NULL, idle, NULL) != 0) return fail("pthread_create");
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return fail("socket");
  int value = 0;
  socklen_t len;
  long sum = 0;
  /* Warm-up: fault in the pages and the caches the timed loop uses. */
  for (long i = 0; i < calls / 10 + 1; i++) {
    len = sizeof(value);
    if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) return fail("getsockopt");
  }
  long slices = argc > 3 ? atol(argv[3]) : 1;
  if (slices < 1 || slices > calls) slices = 1;
  long per_slice = calls / slices;
  double best = -1;
  for (long s = 0; s < slices; s++) {
    double t0 = now_ns();
    if (set) {
      for (long i = 0; i < per_slice; i++) {
        int size = 65536;
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) != 0) return fail("setsockopt");
      }
    } else {
      for (long i = 0; i < per_slice; i++) {
        len = sizeof(value);
        if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) return fail("getsockopt");
        sum += value;
      }
    }
    double ns = (now_ns() - t0) / (double)per_slice;
    if (best < 0 || ns < best) best = ns;
  }
  len = sizeof(value);
  if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, &len) != 0) return fail("getsockopt");
  printf("{\"ns\":%.2f,\"threads\":2,\"value\":%d,\"sum\":%ld}\n", best, value, sum);
  close(fd);
  return 0;
}
