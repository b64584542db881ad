// Linux-only syscalls that Glibc's Swift overlay does not expose (epoll, eventfd, accept4).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stddef.h>

// accept4 is a GNU extension. It is declared here rather than by defining
// _GNU_SOURCE, which would change the shape of system structs (fd_set) and
// clash with the copies Dispatch's module builds from the same headers.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int clinux_errno(void) { return errno; }
static inline int clinux_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }
