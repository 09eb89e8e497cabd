// Argument, error and address helpers shared by the addon's files.
#include "common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

bool ls_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, napi_value *self) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, self, NULL) != napi_ok) return false;
  if (argc != n) {
    char msg[96];
    snprintf(msg, sizeof msg, "linux-sockets native: expected %zu arguments, got %zu", n, argc);
    ls_throw_type(env, msg);
    return false;
  }
  return true;
}

static bool type_error(napi_env env, const char *name, const char *what) {
  char msg[160];
  snprintf(msg, sizeof msg, "linux-sockets native: %s must be %s", name, what);
  ls_throw_type(env, msg);
  return false;
}

bool ls_arg_int32(napi_env env, napi_value v, const char *name, int32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return type_error(env, name, "a number");
  return napi_get_value_int32(env, v, out) == napi_ok || type_error(env, name, "an int32");
}

bool ls_arg_uint32(napi_env env, napi_value v, const char *name, uint32_t *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return type_error(env, name, "a number");
  return napi_get_value_uint32(env, v, out) == napi_ok || type_error(env, name, "a uint32");
}

bool ls_arg_bool(napi_env env, napi_value v, const char *name, bool *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean) return type_error(env, name, "a boolean");
  return napi_get_value_bool(env, v, out) == napi_ok;
}

bool ls_arg_string(napi_env env, napi_value v, const char *name, char *buf, size_t size) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) return type_error(env, name, "a string");
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return false;
  if (len + 1 > size) return type_error(env, name, "shorter");
  if (napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok) return false;
  // A NUL inside the string would silently cut a path short.
  if (strlen(buf) != len) return type_error(env, name, "free of NUL characters");
  return true;
}

bool ls_is_nullish(napi_env env, napi_value v) {
  napi_valuetype t;
  return napi_typeof(env, v, &t) == napi_ok && (t == napi_null || t == napi_undefined);
}

napi_value ls_throw_errno(napi_env env, int err, const char *syscall) {
  char text[256];
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_value message, error, errno_value, syscall_value;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message) != napi_ok ||
      napi_create_error(env, NULL, message, &error) != napi_ok ||
      napi_create_int32(env, err, &errno_value) != napi_ok ||
      napi_set_named_property(env, error, "errno", errno_value) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) != napi_ok ||
      napi_set_named_property(env, error, "syscall", syscall_value) != napi_ok) {
    napi_throw_error(env, NULL, text);
    return NULL;
  }
  napi_throw(env, error);
  return NULL;
}

napi_value ls_throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

napi_value ls_int(napi_env env, int64_t value) {
  napi_value v = NULL;
  napi_create_int64(env, value, &v);
  return v;
}

napi_value ls_bool(napi_env env, bool value) {
  napi_value v = NULL;
  napi_get_boolean(env, value, &v);
  return v;
}

napi_value ls_sockaddr_object(napi_env env, const struct sockaddr_storage *ss) {
  char text[INET6_ADDRSTRLEN] = "";
  int port = 0, family = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
    port = ntohs(sin->sin_port);
    family = 4;
  } else if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
    port = ntohs(sin6->sin6_port);
    family = 6;
  } else {
    return ls_throw_errno(env, EAFNOSUPPORT, "getsockname");
  }
  napi_value obj, address;
  napi_create_object(env, &obj);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &address);
  napi_set_named_property(env, obj, "address", address);
  napi_set_named_property(env, obj, "port", ls_int(env, port));
  napi_set_named_property(env, obj, "family", ls_int(env, family));
  return obj;
}

int ls_fill_sockaddr(int family, const char *address, uint32_t port, struct sockaddr_storage *ss,
                     socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (port > 65535) return EINVAL;
  if (family == 4) {
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, address, &sin->sin_addr) != 1) return EINVAL;
    *len = sizeof *sin;
    return 0;
  }
  if (family == 6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, address, &sin6->sin6_addr) != 1) return EINVAL;
    *len = sizeof *sin6;
    return 0;
  }
  return EAFNOSUPPORT;
}
