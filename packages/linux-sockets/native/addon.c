// Entry point of the linux-sockets addon. Each file registers its own exports;
// see src/native-addon.ts for the TypeScript view of the whole surface.
#include "common.h"

static napi_value init(napi_env env, napi_value exports) {
  if (ls_register_netns(env, exports) != napi_ok || ls_register_inet(env, exports) != napi_ok ||
      ls_register_seqpacket(env, exports) != napi_ok || ls_register_poller(env, exports) != napi_ok) {
    napi_throw_error(env, NULL, "linux-sockets: cannot register the native functions");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
