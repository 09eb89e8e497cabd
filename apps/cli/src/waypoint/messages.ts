// upstream's exact output lines and error texts for `istioctl waypoint`.

export const applied = (ns: string, name: string): string => `✅ waypoint ${ns}/${name} applied\n`;
export const ready = (ns: string, name: string): string => `✅ waypoint ${ns}/${name} is ready!\n`;
export const namespaceLabeled = (ns: string, label: string, name: string): string =>
  `✅ namespace ${ns} labeled with "${label}: ${name}"\n`;
export const alreadyEnrolled = (ns: string): string =>
  `⚠️ Warning: namespace (${ns}) already has an enrolled Waypoint. Consider adding the \`--overwrite\` flag to your apply command.\n`;
export const notAmbient = (ns: string): string =>
  `⚠️ Warning: namespace is not enrolled in ambient. Consider running\t\`kubectl label namespace ${ns} istio.io/dataplane-mode=ambient\`\n`;
export const deleted = (ns: string, name: string): string => `waypoint ${ns}/${name} deleted\n`;
export const notFound = (ns: string, name: string): string => `waypoint ${ns}/${name} not found\n`;

export const kubeClientFailed = (cause: string): string =>
  `failed to create Kubernetes client: ${cause}`;
export const createGatewayFailed = (cause: string): string => `failed to create gateway: ${cause}`;
export const missingGatewayCrds = (cause: string): string =>
  `missing Kubernetes Gateway CRDs need to be installed before applying a waypoint: ${cause}`;
export const namespaceNotFound = (ns: string): string => `namespace: ${ns} not found`;
export const getNamespaceFailed = (ns: string, cause: string): string =>
  `failed to get namespace ${ns}: ${cause}`;
export const checkAmbientFailed = (cause: string): string =>
  `failed to check if namespace is labeled ambient: ${cause}`;
export const labelNamespaceFailed = (cause: string): string =>
  `failed to label namespace with waypoint: ${cause}`;
export const updateNamespaceFailed = (ns: string, cause: string): string =>
  `failed to update namespace ${ns}: ${cause}`;
export const printStatusFailed = (cause: string): string =>
  `failed to print waypoint status: ${cause}`;
export const unknownSubcommand = (arg: string): string =>
  `unknown subcommand ${JSON.stringify(arg)}`;
export const namesWithAll = 'cannot specify waypoint names when deleting all waypoints';
export const nothingToDelete =
  'must specify a waypoint name or delete all using --all or delete specific revision using --revision';

/** upstream's errorWithMessage: the Gateway read last (empty when the read failed), then the read error. */
export function timedOut(
  what: string,
  ns: string,
  name: string,
  cause: string | undefined,
): string {
  return `${what}\t${ns}/${name}${cause === undefined ? '' : `: ${cause}`}`;
}
