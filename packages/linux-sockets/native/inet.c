// TCP and UDP sockets made inside a network namespace, plus the socket options
// and lookups Node has no API for (SO_MARK, IP_TRANSPARENT, SO_ORIGINAL_DST).
#include "common.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

// From linux/netfilter_ipv4.h and linux/netfilter_ipv6/ip6_tables.h, which do
// not mix well with glibc's socket headers.
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

// Option bits; the TypeScript wrapper's SOCKET_OPTION_BITS mirrors them.
enum {
  OPT_TRANSPARENT = 1,
  OPT_REUSEADDR = 2,
  OPT_REUSEPORT = 4,
  OPT_FREEBIND = 8,
  OPT_V6ONLY = 16,
  OPT_MARK = 32,
};

// Socket kinds for inetBind.
enum { KIND_TCP = 1, KIND_UDP = 2 };

static int set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) < 0 ? errno : 0;
}

// Applies the options a ztunnel socket needs before bind/connect, when Node
// offers no hook: SO_MARK so the pod's iptables rules skip ztunnel's own
// traffic (mark 0x539), IP_TRANSPARENT/IP_FREEBIND to bind a source address the
// namespace does not own (the original client IP on inbound), SO_REUSEPORT for
// in-pod listeners, and an explicit IPV6_V6ONLY so a "::" listener is
// dual-stack regardless of the namespace's bindv6only sysctl.
static int apply_options(int fd, int family, uint32_t flags, uint32_t mark, const char **failed) {
  int err;
  bool v6 = family == 6;
  if ((flags & OPT_MARK) && (err = set_int(fd, SOL_SOCKET, SO_MARK, (int)mark))) {
    *failed = "setsockopt(SO_MARK)";
    return err;
  }
  if ((flags & OPT_REUSEADDR) && (err = set_int(fd, SOL_SOCKET, SO_REUSEADDR, 1))) {
    *failed = "setsockopt(SO_REUSEADDR)";
    return err;
  }
  if ((flags & OPT_REUSEPORT) && (err = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1))) {
    *failed = "setsockopt(SO_REUSEPORT)";
    return err;
  }
  if (flags & OPT_TRANSPARENT) {
    err = v6 ? set_int(fd, SOL_IPV6, IPV6_TRANSPARENT, 1) : set_int(fd, SOL_IP, IP_TRANSPARENT, 1);
    if (err) {
      *failed = v6 ? "setsockopt(IPV6_TRANSPARENT)" : "setsockopt(IP_TRANSPARENT)";
      return err;
    }
  }
  if (flags & OPT_FREEBIND) {
    err = v6 ? set_int(fd, SOL_IPV6, IPV6_FREEBIND, 1) : set_int(fd, SOL_IP, IP_FREEBIND, 1);
    if (err) {
      *failed = v6 ? "setsockopt(IPV6_FREEBIND)" : "setsockopt(IP_FREEBIND)";
      return err;
    }
  }
  if (v6 && (err = set_int(fd, SOL_IPV6, IPV6_V6ONLY, (flags & OPT_V6ONLY) ? 1 : 0))) {
    *failed = "setsockopt(IPV6_V6ONLY)";
    return err;
  }
  return 0;
}

// Reads (nsfd|null, family, address, port) shared by inetBind and tcpConnect.
static bool read_target(napi_env env, napi_value *argv, int32_t *nsfd, int32_t *family,
                        char *address, size_t address_size, uint32_t *port) {
  *nsfd = -1;
  if (!ls_is_nullish(env, argv[0]) && !ls_arg_int32(env, argv[0], "netns", nsfd)) return false;
  return ls_arg_int32(env, argv[1], "family", family) &&
         ls_arg_string(env, argv[2], "address", address, address_size) &&
         ls_arg_uint32(env, argv[3], "port", port);
}

// inetBind(netns, family, address, port, kind, backlog, flags, mark) -> fd.
// A TCP listener (kind 1; listen(backlog)) or a bound UDP socket (kind 2) made
// in the namespace, non-blocking and CLOEXEC, for net.Server.listen({fd}) or
// dgram's bind({fd}). This is how ztunnel opens 15001/15006/15008/15053 inside
// a pod.
static napi_value inet_bind(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int32_t nsfd, family, kind, backlog;
  uint32_t port, flags, mark;
  char address[64];
  if (!ls_args(env, info, 8, argv, NULL) ||
      !read_target(env, argv, &nsfd, &family, address, sizeof address, &port) ||
      !ls_arg_int32(env, argv[4], "kind", &kind) || !ls_arg_int32(env, argv[5], "backlog", &backlog) ||
      !ls_arg_uint32(env, argv[6], "flags", &flags) || !ls_arg_uint32(env, argv[7], "mark", &mark))
    return NULL;
  if (kind != KIND_TCP && kind != KIND_UDP) return ls_throw_type(env, "linux-sockets native: bad kind");

  struct sockaddr_storage ss;
  socklen_t len;
  int err = ls_fill_sockaddr(family, address, port, &ss, &len);
  if (err) return ls_throw_errno(env, err, "inet_pton");

  int fd;
  const char *failed = NULL;
  err = ls_socket_in_netns(env, nsfd, family == 6 ? AF_INET6 : AF_INET,
                           kind == KIND_TCP ? SOCK_STREAM : SOCK_DGRAM, &fd, &failed);
  if (err) return ls_throw_errno(env, err, failed);
  if ((err = apply_options(fd, family, flags, mark, &failed)) == 0) {
    if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
      err = errno;
      failed = "bind";
    } else if (kind == KIND_TCP && listen(fd, backlog) < 0) {
      err = errno;
      failed = "listen";
    }
  }
  if (err) {
    close(fd);
    return ls_throw_errno(env, err, failed);
  }
  return ls_int(env, fd);
}

// tcpConnect(netns, family, address, port, flags, mark, localAddress|null,
// localPort) -> [fd, pending]. Creates the socket in the namespace, applies
// the mark/transparent options *before* the SYN leaves (net.connect cannot),
// optionally binds the source, and starts a non-blocking connect. When
// `pending` is true the wrapper waits for writability on the event loop and
// reads the outcome with socketError().
static napi_value tcp_connect(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  int32_t nsfd, family;
  uint32_t port, flags, mark, local_port;
  char address[64], local_address[64] = "";
  if (!ls_args(env, info, 8, argv, NULL) ||
      !read_target(env, argv, &nsfd, &family, address, sizeof address, &port) ||
      !ls_arg_uint32(env, argv[4], "flags", &flags) || !ls_arg_uint32(env, argv[5], "mark", &mark) ||
      (!ls_is_nullish(env, argv[6]) &&
       !ls_arg_string(env, argv[6], "localAddress", local_address, sizeof local_address)) ||
      !ls_arg_uint32(env, argv[7], "localPort", &local_port))
    return NULL;

  struct sockaddr_storage remote, local;
  socklen_t remote_len, local_len = 0;
  int err = ls_fill_sockaddr(family, address, port, &remote, &remote_len);
  if (!err && (local_address[0] || local_port)) {
    const char *any = family == 6 ? "::" : "0.0.0.0";
    err = ls_fill_sockaddr(family, local_address[0] ? local_address : any, local_port, &local,
                           &local_len);
  }
  if (err) return ls_throw_errno(env, err, "inet_pton");

  int fd;
  const char *failed = NULL;
  err = ls_socket_in_netns(env, nsfd, family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM, &fd, &failed);
  if (err) return ls_throw_errno(env, err, failed);
  err = apply_options(fd, family, flags, mark, &failed);
  // With a source address but no source port, let connect() pick the port
  // (IP_BIND_ADDRESS_NO_PORT): many spoofed sources can then share the
  // ephemeral range per destination instead of per address.
  if (!err && local_len && local_port == 0 && (err = set_int(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)))
    failed = "setsockopt(IP_BIND_ADDRESS_NO_PORT)";
  if (!err && local_len && bind(fd, (struct sockaddr *)&local, local_len) < 0) {
    err = errno;
    failed = "bind";
  }
  bool pending = false;
  if (!err) {
    int rc;
    do rc = connect(fd, (struct sockaddr *)&remote, remote_len);
    while (rc < 0 && errno == EINTR);
    if (rc < 0 && errno == EINPROGRESS) {
      pending = true;
    } else if (rc < 0) {
      err = errno;
      failed = "connect";
    }
  }
  if (err) {
    close(fd);
    return ls_throw_errno(env, err, failed);
  }
  napi_value result;
  napi_create_array_with_length(env, 2, &result);
  napi_set_element(env, result, 0, ls_int(env, fd));
  napi_set_element(env, result, 1, ls_bool(env, pending));
  return result;
}

// getsockopt(SO_ERROR): the outcome of a non-blocking connect once the socket
// turned writable (0 = connected). Reading it also clears it.
static napi_value socket_error(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  int value = 0;
  socklen_t len = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &len) < 0)
    return ls_throw_errno(env, errno, "getsockopt(SO_ERROR)");
  return ls_int(env, value);
}

// getsockname(): the bound address of an fd before Node adopts it, e.g. the
// port the kernel chose for a port-0 listener inside a namespace.
static napi_value local_address(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return ls_throw_errno(env, errno, "getsockname");
  return ls_sockaddr_object(env, &ss);
}

// The destination a client dialled before iptables REDIRECT sent it to our
// listener (ztunnel's 15001/15006). IPv4 connections use SO_ORIGINAL_DST;
// IPv6 ones IP6T_SO_ORIGINAL_DST. An IPv4 client accepted on a dual-stack "::"
// socket shows up as a v4-mapped peer: its NAT entry is IPv4, so it is asked
// at SOL_IP.
static napi_value original_dst(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  struct sockaddr_storage local, peer, dst;
  socklen_t len = sizeof local;
  if (getsockname(fd, (struct sockaddr *)&local, &len) < 0) return ls_throw_errno(env, errno, "getsockname");
  bool ipv4 = local.ss_family == AF_INET;
  if (local.ss_family == AF_INET6) {
    len = sizeof peer;
    if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0) return ls_throw_errno(env, errno, "getpeername");
    ipv4 = IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&peer)->sin6_addr);
  } else if (local.ss_family != AF_INET) {
    return ls_throw_errno(env, EAFNOSUPPORT, "getsockopt(SO_ORIGINAL_DST)");
  }
  memset(&dst, 0, sizeof dst);
  len = sizeof dst;
  if (ipv4) {
    if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &len) < 0)
      return ls_throw_errno(env, errno, "getsockopt(SO_ORIGINAL_DST)");
  } else if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &dst, &len) < 0) {
    return ls_throw_errno(env, errno, "getsockopt(IP6T_SO_ORIGINAL_DST)");
  }
  return ls_sockaddr_object(env, &dst);
}

// setsockopt(SO_MARK) on an existing socket (needs CAP_NET_ADMIN): marks the
// packets it sends from now on, for sockets created without a mark.
static napi_value set_mark(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t fd;
  uint32_t mark;
  if (!ls_args(env, info, 2, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd) ||
      !ls_arg_uint32(env, argv[1], "mark", &mark))
    return NULL;
  int err = set_int(fd, SOL_SOCKET, SO_MARK, (int)mark);
  if (err) return ls_throw_errno(env, err, "setsockopt(SO_MARK)");
  return NULL;
}

// getsockopt(SO_MARK): lets ztunnel and tests verify a socket's mark.
static napi_value get_mark(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int32_t fd;
  if (!ls_args(env, info, 1, argv, NULL) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  uint32_t mark = 0;
  socklen_t len = sizeof mark;
  if (getsockopt(fd, SOL_SOCKET, SO_MARK, &mark, &len) < 0)
    return ls_throw_errno(env, errno, "getsockopt(SO_MARK)");
  return ls_int(env, mark);
}

napi_status ls_register_inet(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      LS_METHOD("inetBind", inet_bind),       LS_METHOD("tcpConnect", tcp_connect),
      LS_METHOD("socketError", socket_error), LS_METHOD("localAddress", local_address),
      LS_METHOD("originalDst", original_dst), LS_METHOD("setMark", set_mark),
      LS_METHOD("getMark", get_mark),
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
