// Public API of @ambient-ts/inpod-redirection: the exact in-pod iptables rules
// of Istio ambient (istio-cni, REDIRECT mode) and an idempotent applier that
// installs and removes them inside a pod's network namespace.

export {
  inpodRestoreText,
  inpodReplaceText,
  inpodRemoveText,
  inpodTableRules,
  inpodRouteCommands,
  INPOD_MARK,
  INPOD_MASK,
  INPOD_TPROXY_MARK,
  INPOD_ROUTE_TABLE,
  INPOD_RULE_PRIORITY,
  INPOD_CHAINS,
  CHAIN_OUTPUT,
  CHAIN_PREROUTING,
  ZTUNNEL_OUTBOUND_PORT,
  ZTUNNEL_INBOUND_PLAINTEXT_PORT,
  ZTUNNEL_INBOUND_PORT,
  DNS_CAPTURE_PORT,
  HOST_PROBE_SNAT_ADDRESS,
  HOST_PROBE_SNAT_ADDRESS_V6,
  type InpodRuleOptions,
  type IpFamily,
  type IptablesTable,
  type PresentJumps,
} from './rules.js';
export { parseIptablesSave, isClean, type InpodState } from './iptables-save.js';
export {
  InpodRedirector,
  type ApplyOptions,
  type ApplyOutcome,
  type InpodRedirectorOptions,
} from './applier.js';
export {
  nsenterRunner,
  type CommandResult,
  type NetnsCommandRunner,
  type NsenterRunnerOptions,
} from './netns-runner.js';
export { InpodRedirectionError, NetnsCommandError } from './errors.js';
