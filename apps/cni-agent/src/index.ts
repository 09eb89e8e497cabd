// @ambient-ts/cni-agent is an app (composition root src/main.ts, plugin src/plugin/main.ts);
// this entry exposes its pure pieces for tests and tools (e2e checks, manifests).
export {
  ambientEnablement,
  DEFAULT_ENABLEMENT_SELECTORS,
  DATAPLANE_MODE_LABEL,
  REDIRECTION_ANNOTATION,
  type EnablementSelector,
  type EnablementPolicy,
} from './enablement.js';
export { insertIstioCni, removeIstioCni, ISTIO_CNI_PLUGIN_TYPE } from './cni-install/conflist.js';
export { encodeCmdAddEvent, decodeCmdAddEvent, type CmdAddEvent } from './plugin-event.js';
export { ZdsServer } from './zds/zds-server.js';
