// The one typed source of the install: values as upstream's charts name them (profile,
// hub/tag, trust domain, cluster id, log format), with our defaults. Everything rendered
// comes from here.

export interface CniValues {
  /** EXCLUDE_NAMESPACES: never captured, decided by the plugin without the API. */
  readonly excludeNamespaces: readonly string[];
  /** ambient.dnsCapture: redirect pod DNS to ztunnel's proxy on 15053. */
  readonly dnsCapture: boolean;
  /** ambient.ipv6: also program ip6tables in pods. */
  readonly ipv6: boolean;
  /** ambient.reconcileIptablesOnStartup. */
  readonly reconcileIptablesOnStartup: boolean;
  /** Host paths of the node's CNI binaries and configuration. */
  readonly cniBinDir: string;
  readonly cniConfDir: string;
}

export interface Values {
  /** Only `ambient` exists (istiod + istio-cni + ztunnel, no ingress gateway). */
  readonly profile: 'ambient';
  readonly namespace: string;
  /**
   * Image registry/organisation, as upstream's charts: images are `<hub>/pilot`, `<hub>/ztunnel`,
   * `<hub>/install-cni` and `<hub>/proxyv2` (the waypoint's image, istiod's WAYPOINT_IMAGE).
   */
  readonly hub: string;
  readonly tag: string;
  readonly imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  readonly trustDomain: string;
  /** ISTIO_META_CLUSTER_ID / CLUSTER_ID. */
  readonly clusterId: string;
  /** topology.istio.io/network of this cluster ('' = none). */
  readonly network: string;
  /** Log format of the data plane (ztunnel LOG_FORMAT). */
  readonly logFormat: 'json' | 'plain';
  readonly logLevel: 'error' | 'warn' | 'info' | 'debug' | 'trace';
  readonly cni: CniValues;
}

/**
 * Upstream's image names and tag (a platform team's install and mirrors keep working): our
 * images are built under them (`npm run images:build`), the local cluster maps them to this
 * checkout's programs (deploy/images/local-images.json).
 */
export const DEFAULT_HUB = 'docker.io/istio';
/** The package version of this install (istio-cni's CURRENT_AGENT_VERSION). */
export const VERSION = '0.1.0';
/**
 * The upstream Istio release we follow: the images' tag. Equal to xds-types'
 * ISTIO_COMPATIBILITY_VERSION (a test checks it; this package does not depend on xds-types).
 */
export const ISTIO_VERSION = '1.30.0';

export const DEFAULT_VALUES: Values = {
  profile: 'ambient',
  namespace: 'istio-system',
  hub: DEFAULT_HUB,
  tag: ISTIO_VERSION,
  imagePullPolicy: 'IfNotPresent',
  trustDomain: 'cluster.local',
  clusterId: 'Kubernetes',
  network: '',
  logFormat: 'json',
  logLevel: 'info',
  cni: {
    excludeNamespaces: ['kube-system', 'istio-system'],
    dnsCapture: true,
    ipv6: false,
    reconcileIptablesOnStartup: true,
    cniBinDir: '/opt/cni/bin',
    cniConfDir: '/etc/cni/net.d',
  },
};

export type ValueOverrides = Partial<Omit<Values, 'cni'>> & { readonly cni?: Partial<CniValues> };

export class InvalidValuesError extends Error {
  constructor(field: string, reason: string) {
    super(`invalid install value ${field}: ${reason}`);
    this.name = 'InvalidValuesError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function resolveValues(overrides: ValueOverrides = {}): Values {
  const v: Values = {
    ...DEFAULT_VALUES,
    ...overrides,
    cni: { ...DEFAULT_VALUES.cni, ...overrides.cni },
  };
  if (v.profile !== 'ambient')
    throw new InvalidValuesError(
      'profile',
      `only "ambient" is supported, got "${String(v.profile)}"`,
    );
  if (!DNS_LABEL.test(v.namespace))
    throw new InvalidValuesError('namespace', `"${v.namespace}" is not a DNS label`);
  if (v.hub === '' || /\s|:$/.test(v.hub))
    throw new InvalidValuesError('hub', `"${v.hub}" is not an image repository prefix`);
  if (!/^[\w][\w.-]{0,127}$/.test(v.tag))
    throw new InvalidValuesError('tag', `"${v.tag}" is not an image tag`);
  if (!/^[a-z0-9.-]+$/.test(v.trustDomain))
    throw new InvalidValuesError(
      'trustDomain',
      `"${v.trustDomain}" is not a trust domain (lowercase letters, digits, dots, dashes)`,
    );
  return v;
}

/** Upstream's image names: istiod is `pilot`, istio-cni `install-cni`, waypoints `proxyv2`. */
export type ImageName = 'pilot' | 'ztunnel' | 'install-cni' | 'proxyv2';

export function image(v: Values, name: ImageName): string {
  return `${v.hub}/${name}:${v.tag}`;
}
