// Poller: a uv_poll_t on a raw fd, exposed to JavaScript. It is how the
// wrapper waits for a pending connect() to finish and for SEQPACKET sockets to
// become readable or writable, on the event loop itself: no thread blocks and
// nothing spins. Node's own handles cannot watch an fd of a kind Node does not
// know (SOCK_SEQPACKET) nor one it does not own yet (a connecting TCP socket).
//
//   const p = new Poller(fd, (status, events) => { ... });
//   p.start(events)   // UV_READABLE 1 | UV_WRITABLE 2 | UV_DISCONNECT 4; may be called again to change them
//   p.stop()          // no more callbacks until start()
//   p.ref(), p.unref() // whether a started poller keeps the process alive
//   p.close()         // must happen before the fd is closed or handed to Node
//
// While started, the JS object is held by a strong reference so the loop can
// always call back into it; while stopped it may be garbage collected, and its
// finalizer then closes the uv handle.
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <uv.h>

typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref self;  // weak while stopped, strong while started
  napi_ref callback;
  napi_async_context async_context;
  bool started;
} poller_t;

static void free_after_close(uv_handle_t *handle) { free(handle->data); }

// Drops every JS reference the poller holds and closes the uv handle; the
// memory goes when libuv has finished with the handle.
static void release(poller_t *p) {
  uv_poll_stop(&p->handle);
  p->started = false;
  napi_delete_reference(p->env, p->self);
  napi_delete_reference(p->env, p->callback);
  napi_async_destroy(p->env, p->async_context);
  uv_close((uv_handle_t *)&p->handle, free_after_close);
}

static void finalize(napi_env env, void *data, void *hint) { release((poller_t *)data); }

// Calls the JS callback as a proper async callback (napi_make_callback), so
// nextTicks and promise reactions run right after it. An exception it throws
// is re-raised as an uncaught exception, as for any Node event callback.
static void on_poll(uv_poll_t *handle, int status, int events) {
  poller_t *p = handle->data;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value self, callback, argv[2];
  if (napi_get_reference_value(env, p->self, &self) == napi_ok && self != NULL &&
      napi_get_reference_value(env, p->callback, &callback) == napi_ok) {
    argv[0] = ls_int(env, status);
    argv[1] = ls_int(env, events);
    if (napi_make_callback(env, p->async_context, self, callback, 2, argv, NULL) ==
        napi_pending_exception) {
      napi_value exception;
      napi_get_and_clear_last_exception(env, &exception);
      napi_fatal_exception(env, exception);
    }
  }
  napi_close_handle_scope(env, scope);
}

static napi_value construct(napi_env env, napi_callback_info info) {
  napi_value argv[2], self;
  int32_t fd;
  if (!ls_args(env, info, 2, argv, &self) || !ls_arg_int32(env, argv[0], "fd", &fd)) return NULL;
  napi_valuetype t;
  if (napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function)
    return ls_throw_type(env, "linux-sockets native: callback must be a function");
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return ls_throw_type(env, "no event loop");
  poller_t *p = calloc(1, sizeof *p);
  if (p == NULL) return ls_throw_errno(env, ENOMEM, "uv_poll_init");
  // Fails with EEXIST when libuv already watches this fd (e.g. a Node socket
  // owns it): two watchers on one fd would steal each other's events.
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc < 0) {
    free(p);
    return ls_throw_errno(env, -rc, "uv_poll_init");
  }
  p->handle.data = p;
  p->env = env;
  napi_value name;
  napi_create_string_utf8(env, "linux-sockets:Poller", NAPI_AUTO_LENGTH, &name);
  if (napi_create_reference(env, argv[1], 1, &p->callback) != napi_ok ||
      napi_async_init(env, NULL, name, &p->async_context) != napi_ok ||
      napi_wrap(env, self, p, finalize, NULL, &p->self) != napi_ok) {
    uv_close((uv_handle_t *)&p->handle, free_after_close);
    return ls_throw_type(env, "linux-sockets native: cannot create Poller");
  }
  return self;
}

// Reads the arguments and the native state. *p stays NULL after close().
static bool unwrap(napi_env env, napi_callback_info info, napi_value *argv, size_t n, napi_value *self,
                   poller_t **p) {
  void *data = NULL;
  *p = NULL;
  if (!ls_args(env, info, n, argv, self)) return false;
  if (napi_unwrap(env, *self, &data) == napi_ok) *p = data;
  return true;
}

static napi_value start(napi_env env, napi_callback_info info) {
  napi_value argv[1], self;
  poller_t *p;
  uint32_t events;
  if (!unwrap(env, info, argv, 1, &self, &p) || !ls_arg_uint32(env, argv[0], "events", &events))
    return NULL;
  if (p == NULL) return ls_throw_errno(env, EBADF, "uv_poll_start");
  events &= UV_READABLE | UV_WRITABLE | UV_DISCONNECT;
  int rc = uv_poll_start(&p->handle, (int)events, on_poll);
  if (rc < 0) return ls_throw_errno(env, -rc, "uv_poll_start");
  if (!p->started) {
    napi_reference_ref(env, p->self, NULL);
    p->started = true;
  }
  return NULL;
}

static napi_value stop(napi_env env, napi_callback_info info) {
  napi_value self;
  poller_t *p;
  if (!unwrap(env, info, NULL, 0, &self, &p) || p == NULL) return NULL;
  uv_poll_stop(&p->handle);
  if (p->started) {
    napi_reference_unref(env, p->self, NULL);
    p->started = false;
  }
  return NULL;
}

static napi_value ref_or_unref(napi_env env, napi_callback_info info, bool ref) {
  napi_value self;
  poller_t *p;
  if (!unwrap(env, info, NULL, 0, &self, &p) || p == NULL) return NULL;
  if (ref) uv_ref((uv_handle_t *)&p->handle);
  else uv_unref((uv_handle_t *)&p->handle);
  return NULL;
}

static napi_value ref(napi_env env, napi_callback_info info) { return ref_or_unref(env, info, true); }
static napi_value unref(napi_env env, napi_callback_info info) { return ref_or_unref(env, info, false); }

// Idempotent. Detaches the native state from the JS object at once, so the
// fd may be closed or adopted by Node right after this returns: uv_poll_stop
// has already removed it from epoll.
static napi_value close_poller(napi_env env, napi_callback_info info) {
  napi_value self;
  poller_t *p;
  if (!unwrap(env, info, NULL, 0, &self, &p) || p == NULL) return NULL;
  void *removed;
  napi_remove_wrap(env, self, &removed);
  release(p);
  return NULL;
}

napi_status ls_register_poller(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      LS_METHOD("start", start), LS_METHOD("stop", stop),   LS_METHOD("ref", ref),
      LS_METHOD("unref", unref), LS_METHOD("close", close_poller),
  };
  napi_value cls;
  napi_status status = napi_define_class(env, "Poller", NAPI_AUTO_LENGTH, construct, NULL,
                                         sizeof methods / sizeof methods[0], methods, &cls);
  if (status != napi_ok) return status;
  return napi_set_named_property(env, exports, "Poller", cls);
}
