// Shared helpers for the linux-sockets addon: argument reading, errno errors,
// socket addresses. The TypeScript wrapper validates every argument first; the
// checks here only keep the C side memory-safe if it is ever called directly.
#ifndef LINUX_SOCKETS_COMMON_H
#define LINUX_SOCKETS_COMMON_H

#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

// Largest number of fds the kernel accepts in one SCM_RIGHTS message
// (SCM_MAX_FD in include/net/scm.h).
#define LS_SCM_MAX_FD 253

// Longest unix socket path we accept, leaving room for the NUL in sun_path.
#define LS_UNIX_PATH_MAX 107

// Reads exactly `n` arguments; throws a TypeError and returns false on a
// different count.
bool ls_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, napi_value *self);

bool ls_arg_int32(napi_env env, napi_value v, const char *name, int32_t *out);
bool ls_arg_uint32(napi_env env, napi_value v, const char *name, uint32_t *out);
bool ls_arg_bool(napi_env env, napi_value v, const char *name, bool *out);
// Copies a JS string into buf (NUL-terminated); fails if it does not fit.
bool ls_arg_string(napi_env env, napi_value v, const char *name, char *buf, size_t size);
// True when v is null or undefined.
bool ls_is_nullish(napi_env env, napi_value v);

// Throws an Error with `errno` (positive number) and `syscall` properties; the
// TypeScript wrapper turns it into a typed SyscallError with the errno's name
// and a hint saying what to check. Returns NULL for `return ls_throw_errno(...)`.
napi_value ls_throw_errno(napi_env env, int err, const char *syscall);

// Throws a TypeError: only reachable when the wrapper's validation was bypassed.
napi_value ls_throw_type(napi_env env, const char *message);

napi_value ls_int(napi_env env, int64_t value);
napi_value ls_bool(napi_env env, bool value);

// Builds {address, port, family: 4|6} from an AF_INET/AF_INET6 socket address.
napi_value ls_sockaddr_object(napi_env env, const struct sockaddr_storage *ss);

// Fills a sockaddr from an IP literal; family is 4 or 6. Returns 0 or an errno.
int ls_fill_sockaddr(int family, const char *address, uint32_t port, struct sockaddr_storage *ss,
                     socklen_t *len);

// Creates a socket inside the network namespace `nsfd` (or the caller's own
// when nsfd < 0). See netns.c for why only socket() needs the namespace.
// Returns 0 and sets *out_fd, or returns an errno and sets *failed_syscall.
int ls_socket_in_netns(napi_env env, int nsfd, int domain, int type, int *out_fd,
                       const char **failed_syscall);

// Registration of each file's exports.
napi_status ls_register_netns(napi_env env, napi_value exports);
napi_status ls_register_inet(napi_env env, napi_value exports);
napi_status ls_register_seqpacket(napi_env env, napi_value exports);
napi_status ls_register_poller(napi_env env, napi_value exports);

#define LS_METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

#endif
