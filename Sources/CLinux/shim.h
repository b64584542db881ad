// Linux-only syscalls that Glibc's Swift overlay does not expose (epoll, eventfd, accept4).
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <stddef.h>
#include <sys/resource.h>

// accept4 is a GNU extension. It is declared here rather than by defining
// _GNU_SOURCE, which would change the shape of system structs (fd_set) and
// clash with the copies Dispatch's module builds from the same headers.
extern int accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

static inline int clinux_errno(void) { return errno; }
static inline int clinux_accept4(int fd, int flags) { return accept4(fd, NULL, NULL, flags); }

// RLIMIT_NOFILE without the enum-typed resource argument Swift imports awkwardly.
// Raises the soft limit to the hard one; returns the soft limit in force (-1 if unknown).
static inline long long clinux_raise_nofile(void) {
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return -1;
    if (limit.rlim_cur < limit.rlim_max) {
        struct rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    return limit.rlim_cur == RLIM_INFINITY ? -1 : (long long)limit.rlim_cur;
}

// The build's version and commit: `make build` links in an object that defines them
// (scripts/build-stamp.sh). They are weak so that a plain `swift build` links without it; the
// accessors then return NULL and the binary reports "unknown".
extern const char *preflab_build_version(void) __attribute__((weak));
extern const char *preflab_build_commit(void) __attribute__((weak));
static inline const char *clinux_build_version(void) { return preflab_build_version ? preflab_build_version() : NULL; }
static inline const char *clinux_build_commit(void) { return preflab_build_commit ? preflab_build_commit() : NULL; }
