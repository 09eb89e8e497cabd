// Unix SOCK_SEQPACKET sockets with SCM_RIGHTS: the transport of ZDS (istio-cni
// hands ztunnel one pod netns fd per AddWorkload). Node's net module has only
// SOCK_STREAM unix sockets and cannot pass fds, so the few calls live here;
// readiness is watched from the event loop by a Poller (poller.c), and every
// call here is non-blocking.
#include "common.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

static int fill_unix(const char *path, struct sockaddr_un *sun) {
  memset(sun, 0, sizeof *sun);
  sun->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof sun->sun_path) return ENAMETOOLONG;
  strcpy(sun->sun_path, path);
  return 0;
}

// seqpacketListen(path, backlog) -> fd: socket, bind to the path, listen.
// Removing a stale socket file is the caller's decision (done in TypeScript).
static napi_value seqpacket_listen(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  char path[LS_UNIX_PATH_MAX + 1];
  int32_t backlog;
  if (!ls_args(env, info, 2, argv, NULL) || !ls_arg_string(env, argv[0], "path", path, sizeof path) ||
      !ls_arg_int32(env, argv[1], "backlog", &backlog))
    return NULL;
  struct sockaddr_un sun;
  int err = fill_unix(path, &sun);
  if (err) return ls_throw_errno(env, err, "bind");
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ls_throw_errno(env, errno, "socket");
  const char *failed = NULL;
  if (bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0) {
    err = errno;
    failed = "bind";
  } else if (listen(fd, backlog) < 0) {
    err = errno;
    failed = "listen";
  }
  if (err) {
    close(fd);
    return ls_throw_errno(env, err, failed);
  }
  return ls_int(env, fd);
}

// seqpacketAccept(fd) -> fd, or -1 when there is nothing (more) to accept.
// Called in a loop when the listening fd is readable; the accepted fd is
// non-blocking and CLOEXEC from the start (accept4), so no window exists in
// which a spawned child could inherit it.
static napi_value seqpacket_accept(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  for (;;) {
    int conn = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (conn >= 0) return ls_int(env, conn);
    // ECONNABORTED: the client gave up before we accepted; nothing to report.
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ls_int(env, -1);
    return ls_throw_errno(env, errno, "accept4");
  }
}

// seqpacketConnect(path) -> fd. A unix connect either completes at once or
// fails (EAGAIN when the listener's backlog is full), so it never blocks.
static napi_value seqpacket_connect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  char path[LS_UNIX_PATH_MAX + 1];
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_string(env, argv[0], "path", path, sizeof path))
    return NULL;
  struct sockaddr_un sun;
  int err = fill_unix(path, &sun);
  if (err) return ls_throw_errno(env, err, "connect");
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ls_throw_errno(env, errno, "socket");
  int rc;
  do rc = connect(fd, (struct sockaddr *)&sun, sizeof sun);
  while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    err = errno;
    close(fd);
    return ls_throw_errno(env, err, "connect");
  }
  return ls_int(env, fd);
}

// Control buffer big enough for the most fds one message can carry.
typedef union {
  char buf[CMSG_SPACE(LS_SCM_MAX_FD * sizeof(int))];
  struct cmsghdr align;
} control_buffer;

// seqpacketSend(fd, bytes, fds) -> true when sent, false on EAGAIN (the
// wrapper queues the message and waits for writability). One call is one
// message: SEQPACKET keeps the boundary, and the fds ride along as SCM_RIGHTS;
// the kernel duplicates them, so the caller still owns its copies.
// MSG_NOSIGNAL turns a closed peer into EPIPE instead of killing the process.
static napi_value seqpacket_send(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  if (!ls_args(env, info, 3, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  bool is_typedarray = false;
  napi_typedarray_type ta_type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, argv[1], &is_typedarray) != napi_ok || !is_typedarray ||
      napi_get_typedarray_info(env, argv[1], &ta_type, &length, &data, NULL, NULL) != napi_ok ||
      ta_type != napi_uint8_array)
    return ls_throw_type(env, "linux-sockets native: data must be a Uint8Array");
  uint32_t nfds = 0;
  bool is_array = false;
  if (napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[2], &nfds) != napi_ok || nfds > LS_SCM_MAX_FD)
    return ls_throw_type(env, "linux-sockets native: fds must be an array of at most 253 fds");

  control_buffer control;
  struct iovec iov = {.iov_base = data, .iov_len = length};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > 0) {
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    int *out = (int *)CMSG_DATA(cmsg);
    for (uint32_t i = 0; i < nfds; i++) {
      napi_value element;
      int32_t value;
      if (napi_get_element(env, argv[2], i, &element) != napi_ok ||
          !ls_arg_int32(env, element, "fds[i]", &value))
        return NULL;
      memcpy(out + i, &value, sizeof value);
    }
  }
  ssize_t n;
  do n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ls_bool(env, false);
    return ls_throw_errno(env, errno, "sendmsg");
  }
  return ls_bool(env, true);
}

// A zero-byte read means either "the peer closed" or "the peer sent an empty
// message"; a SEQPACKET socket tells them apart only through poll's hangup bits.
static bool peer_hung_up(int fd) {
  struct pollfd p = {.fd = fd, .events = POLLRDHUP};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP)) != 0;
}

// seqpacketRecv(fd, maxBytes, maxFds) reads one message without blocking:
//   null                                   nothing to read (EAGAIN)
//   {eof: true}                            the peer closed
//   {data: Buffer, fds: number[]}          one message; the fds are CLOEXEC
//                                          (MSG_CMSG_CLOEXEC) and now the caller's
//   {truncated: 1|2|3, length, fdCount}    the message did not fit (1: data was
//                                          cut, MSG_TRUNC; 2: fds were dropped,
//                                          MSG_CTRUNC); the fds that did arrive
//                                          were closed here so none leak
// MSG_TRUNC in the flags makes the kernel report the real message length.
static napi_value seqpacket_recv(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int32_t fd;
  uint32_t max_bytes, max_fds;
  if (!ls_args(env, info, 3, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd) ||
      !ls_arg_uint32(env, argv[1], "maxBytes", &max_bytes) ||
      !ls_arg_uint32(env, argv[2], "maxFds", &max_fds))
    return NULL;
  if (max_fds > LS_SCM_MAX_FD) max_fds = LS_SCM_MAX_FD;
  char *data = malloc(max_bytes > 0 ? max_bytes : 1);
  if (!data) return ls_throw_errno(env, ENOMEM, "recvmsg");
  control_buffer control;
  memset(&control, 0, sizeof control);
  struct iovec iov = {.iov_base = data, .iov_len = max_bytes};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
  if (max_fds > 0) {
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(max_fds * sizeof(int));
  }
  ssize_t n;
  do n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    free(data);
    if (err == EAGAIN || err == EWOULDBLOCK) {
      napi_value null_value;
      napi_get_null(env, &null_value);
      return null_value;
    }
    return ls_throw_errno(env, err, "recvmsg");
  }

  int fds[LS_SCM_MAX_FD];
  uint32_t nfds = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count && nfds < LS_SCM_MAX_FD; i++)
      memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
  }

  napi_value result;
  napi_create_object(env, &result);
  int truncated = ((msg.msg_flags & MSG_TRUNC) ? 1 : 0) | ((msg.msg_flags & MSG_CTRUNC) ? 2 : 0);
  if (truncated) {
    for (uint32_t i = 0; i < nfds; i++) close(fds[i]);
    free(data);
    napi_set_named_property(env, result, "truncated", ls_int(env, truncated));
    napi_set_named_property(env, result, "length", ls_int(env, n));
    napi_set_named_property(env, result, "fdCount", ls_int(env, nfds));
    return result;
  }
  if (n == 0 && nfds == 0 && peer_hung_up(fd)) {
    free(data);
    napi_set_named_property(env, result, "eof", ls_bool(env, true));
    return result;
  }
  napi_value buffer, fd_array;
  napi_status status = napi_create_buffer_copy(env, (size_t)n, data, NULL, &buffer);
  free(data);
  if (status != napi_ok) {
    for (uint32_t i = 0; i < nfds; i++) close(fds[i]);
    return ls_throw_errno(env, ENOMEM, "recvmsg");
  }
  napi_create_array_with_length(env, nfds, &fd_array);
  for (uint32_t i = 0; i < nfds; i++) napi_set_element(env, fd_array, i, ls_int(env, fds[i]));
  napi_set_named_property(env, result, "data", buffer);
  napi_set_named_property(env, result, "fds", fd_array);
  return result;
}

napi_status ls_register_seqpacket(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      LS_METHOD("seqpacketListen", seqpacket_listen), LS_METHOD("seqpacketAccept", seqpacket_accept),
      LS_METHOD("seqpacketConnect", seqpacket_connect), LS_METHOD("seqpacketSend", seqpacket_send),
      LS_METHOD("seqpacketRecv", seqpacket_recv),
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
