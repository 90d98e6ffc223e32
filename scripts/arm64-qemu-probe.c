/*
 * Asks the kernel, through plain libc calls and without sockbuf, the
 * socket questions that qemu-user (linux-user mode) is known to answer
 * differently from a real arm64 kernel. scripts/prebuild-arm64.sh compiles it
 * twice, for the host and for arm64, runs both, and leaves out of the emulated
 * jest run only the tests whose calls qemu itself gets wrong.
 *
 * Output, one line each:
 *   tcp_info_len=N    bytes getsockopt(IPPROTO_TCP, TCP_INFO) returns when
 *                     asked for 8 (a real kernel: 8; qemu 7.2 truncates every
 *                     IPPROTO_TCP option to an int: 4)
 *   so_mark_errno=E   errno name of setsockopt(SOL_SOCKET, SO_MARK, 1), or OK
 *                     (qemu 7.2 does not know SO_MARK: ENOPROTOOPT)
 *   meminfo_len=N     bytes getsockopt(SOL_SOCKET, SO_MEMINFO) returns when
 *                     asked for 9 u32 (a real kernel: 36, the whole array;
 *                     qemu 7.2 treats it as an int option: 4)
 *   bindtodevice_get=E errno name of getsockopt(SOL_SOCKET, SO_BINDTODEVICE)
 *                     on a socket bound to lo, or OK (qemu 7.2: EINVAL)
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *errno_name(int e) {
  switch (e) {
    case 0:
      return "OK";
    case EPERM:
      return "EPERM";
    case ENOPROTOOPT:
      return "ENOPROTOOPT";
    case EINVAL:
      return "EINVAL";
    case EFAULT:
      return "EFAULT";
    default:
      return "OTHER";
  }
}

int main(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }

  unsigned char info[8];
  socklen_t len = sizeof info;
  memset(info, 0, sizeof info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, info, &len) != 0) {
    printf("tcp_info_len=error:%s\n", errno_name(errno));
  } else {
    printf("tcp_info_len=%u\n", (unsigned)len);
  }

  int mark = 1;
  int rc = setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof mark);
  printf("so_mark_errno=%s\n", errno_name(rc == 0 ? 0 : errno));

  unsigned int meminfo[9];
  len = sizeof meminfo;
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &len) != 0) {
    printf("meminfo_len=error:%s\n", errno_name(errno));
  } else {
    printf("meminfo_len=%u\n", (unsigned)len);
  }

  char device[64];
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 2) != 0) {
    printf("bindtodevice_get=error:%s\n", errno_name(errno));
  } else {
    len = sizeof device;
    rc = getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &len);
    printf("bindtodevice_get=%s\n", errno_name(rc == 0 ? 0 : errno));
  }

  close(fd);
  return 0;
}
