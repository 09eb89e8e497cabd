// Network namespace fds: open, check the kind, close, and create a socket in one.
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

// open(path, O_RDONLY | O_CLOEXEC). A namespace file (/proc/<pid>/ns/net, or a
// bind mount under /var/run/netns) held open keeps the namespace alive and is
// what setns() takes. CLOEXEC so that processes we spawn never inherit it.
static napi_value open_netns(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[4096];
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_string(env, argv[0], "path", path, sizeof path))
    return NULL;
  int fd;
  do fd = open(path, O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) return ls_throw_errno(env, errno, "open");
  return ls_int(env, fd);
}

// ioctl(fd, NS_GET_NSTYPE) returns the CLONE_NEW* kind of a namespace fd. The
// wrapper uses it to reject a wrong fd (one received over ZDS, or a user path)
// with a clear message up front instead of an EINVAL from setns() later.
static napi_value ns_type(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  int type = ioctl(fd, NS_GET_NSTYPE);
  if (type < 0) return ls_throw_errno(env, errno, "ioctl(NS_GET_NSTYPE)");
  return ls_int(env, type);
}

// close(fd) for fds this package hands out (netns fds, received fds, socket
// fds not yet adopted by Node). EINTR still means closed on Linux, so it is
// not retried (a retry could close an fd another thread just got).
static napi_value close_fd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  if (close(fd) < 0 && errno != EINTR) return ls_throw_errno(env, errno, "close");
  return NULL;
}

// A socket belongs for its whole life to the network namespace of the thread
// that called socket(); bind, listen, connect and routing then act in the
// socket's namespace, whatever namespace the calling thread is in later. So
// only socket() itself runs inside the target namespace: we enter it, create
// the socket and return at once, all within one synchronous native call, so no
// JavaScript and no other libuv work runs on this thread meanwhile. setns()
// changes only the calling thread, so the libuv thread pool is never affected.
//
// The caller's namespace is reopened from /proc/thread-self on every call
// rather than cached, so that this also works from worker threads, each of
// which may live in its own namespace.
int ls_socket_in_netns(napi_env env, int nsfd, int domain, int type, int *out_fd,
                       const char **failed_syscall) {
  int flags = type | SOCK_NONBLOCK | SOCK_CLOEXEC;
  if (nsfd < 0) {
    int fd = socket(domain, flags, 0);
    if (fd < 0) {
      *failed_syscall = "socket";
      return errno;
    }
    *out_fd = fd;
    return 0;
  }
  int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) {
    *failed_syscall = "open(/proc/thread-self/ns/net)";
    return errno;
  }
  if (setns(nsfd, CLONE_NEWNET) < 0) {
    int err = errno;
    close(home);
    *failed_syscall = "setns";
    return err;
  }
  int fd = socket(domain, flags, 0);
  int socket_errno = errno;
  if (setns(home, CLONE_NEWNET) < 0) {
    // The main thread would now create every later socket (Node's own too) in
    // the pod's namespace. Nothing can be trusted after that: stop the process,
    // as upstream ztunnel does when it cannot restore its namespace.
    char msg[160];
    snprintf(msg, sizeof msg,
             "cannot return the thread to its own network namespace after setns (%s); "
             "refusing to continue in the wrong namespace",
             strerror(errno));
    napi_fatal_error("linux-sockets", NAPI_AUTO_LENGTH, msg, NAPI_AUTO_LENGTH);
  }
  close(home);
  if (fd < 0) {
    *failed_syscall = "socket";
    return socket_errno;
  }
  *out_fd = fd;
  return 0;
}

napi_status ls_register_netns(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      LS_METHOD("openNetns", open_netns),
      LS_METHOD("nsType", ns_type),
      LS_METHOD("closeFd", close_fd),
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
