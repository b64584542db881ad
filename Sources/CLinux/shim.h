// Linux-only syscalls that Glibc's Swift overlay does not expose (epoll, eventfd, accept4).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stddef.h>

static inline int clinux_errno(void) { return errno; }

/// accept4 is a GNU extension; Glibc's module is built without _GNU_SOURCE.
static inline int clinux_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }
