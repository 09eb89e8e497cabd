// `istioctl proxy-status` (alias ps): the sync state of every proxy connected
// to istiod, with upstream's flags and tables. What upstream does over a
// direct xDS connection (--xds-address and its TLS options) or with Envoy's
// config_dump (the per-proxy sync diff) has no counterpart here: the flags are
// declared so help and scripts match, and refused with a reason when set.

import { CommandError } from '../cli/errors.js';
import type { CommandSpec, FlagSpec, Invocation } from '../cli/spec.js';
import type { CliContext } from '../context.js';
import { DEFAULT_XDS_LABEL, syncStatuses } from './remote.js';
import { renderStatusTable } from './status-table.js';
import type { ProxySyncStatus } from './sync-status.js';

const SECONDS = 1e9;

const FLAGS: readonly FlagSpec[] = [
  { kind: 'string', name: 'revision', short: 'r', usage: 'Control plane revision', default: '' },
  { kind: 'string', name: 'xds-address', usage: 'XDS Endpoint', default: '' },
  { kind: 'string', name: 'cert-dir', usage: 'XDS Endpoint certificate directory', default: '' },
  { kind: 'string', name: 'xds-label', usage: 'Istiod pod label selector', default: '' },
  { kind: 'int', name: 'xds-port', usage: 'Istiod pod port', default: 15012 },
  {
    kind: 'duration',
    name: 'timeout',
    usage: 'The duration to wait before failing',
    default: 30 * SECONDS,
  },
  {
    kind: 'string',
    name: 'authority',
    usage: 'XDS Subject Alternative Name (for example istiod.istio-system.svc)',
    default: '',
  },
  {
    kind: 'bool',
    name: 'insecure',
    usage: 'Skip server certificate and domain verification. (NOT SECURE!)',
    default: false,
  },
  {
    kind: 'bool',
    name: 'plaintext',
    usage: 'Use plain-text HTTP/2 when connecting to server (no TLS).',
    default: false,
  },
  { kind: 'string', name: 'file', usage: 'Envoy config dump JSON file', default: '' },
  { kind: 'int', name: 'proxy-admin-port', usage: 'Envoy proxy admin port', default: 15000 },
  {
    kind: 'string',
    name: 'output',
    short: 'o',
    usage: 'Output format: one of json|yaml|table',
    default: 'table',
  },
  {
    kind: 'int',
    name: 'verbosity',
    short: 'v',
    usage:
      'Verbosity level for proxy status output. 0=default, 1=show all xDS types (max verbosity)',
    default: 0,
  },
];

/** Flags of upstream's direct xDS connection; this istioctl always goes through the API server. */
const DIRECT_XDS_FLAGS = ['xds-address', 'cert-dir', 'authority', 'insecure', 'plaintext'];

const EXAMPLE = `  # Retrieve sync status for all Envoys in a mesh
  istioctl proxy-status

  # Retrieve sync status for Envoys in a specific namespace
  istioctl proxy-status --namespace foo

  # Show every xDS type as a column
  istioctl proxy-status -v 1

  # Retrieve proxy status information via XDS from specific control plane in multi-control plane in-cluster configuration
  # (Select a specific control plane in an in-cluster canary Istio configuration.)
  istioctl ps --xds-label istio.io/rev=default`;

export function proxyStatusCommand(contextOf: (i: Invocation) => CliContext): CommandSpec {
  return {
    name: 'proxy-status',
    aliases: ['ps'],
    short: 'Retrieves the synchronization status of each Envoy in the mesh',
    long: `
Retrieves last sent and last acknowledged xDS sync from Istiod to each Envoy in the mesh
`,
    example: EXAMPLE,
    persistentFlags: FLAGS,
    run: async (i) => {
      for (const flag of DIRECT_XDS_FLAGS) {
        if (i.flags.changed(flag)) {
          throw new CommandError(
            `--${flag} is not supported: this istioctl reads istiod's sync status through the Kubernetes API server (use --xds-label to pick istiod pods)`,
          );
        }
      }
      const output = i.flags.string('output');
      if (output === 'json' || output === 'yaml') {
        throw new CommandError(
          `output format ${JSON.stringify(output)} is not supported by this istioctl (upstream prints istiod's raw xDS response); use -o table`,
        );
      }
      if (output !== 'table') {
        throw new CommandError(`output format ${JSON.stringify(output)} not supported`);
      }
      const ctx = contextOf(i);
      const statuses = await syncStatuses(
        ctx.kubeClient(),
        ctx.istioNamespace,
        i.flags.string('xds-label') || DEFAULT_XDS_LABEL,
      );
      const proxy = i.args[0];
      if (proxy !== undefined) {
        i.out.out(singleProxy(proxy, ctx, statuses));
        return;
      }
      i.out.out(
        renderStatusTable(statuses, {
          verbose: i.flags.int('verbosity') > 0,
          namespace: ctx.namespace,
        }),
      );
    },
  };
}

/**
 * upstream compares one Envoy's config_dump with what istiod would send; for
 * a ztunnel it only says that no diff exists, which is all this istioctl can
 * say about any of its proxies.
 */
function singleProxy(arg: string, ctx: CliContext, statuses: readonly ProxySyncStatus[]): string {
  const ref = arg.startsWith('pod/') ? arg.slice('pod/'.length) : arg;
  if (ref.includes('/')) {
    throw new CommandError(
      `only pod names are supported as proxy-status arguments, got ${JSON.stringify(arg)}`,
    );
  }
  const dot = ref.lastIndexOf('.');
  const pod = dot < 0 ? ref : ref.slice(0, dot);
  const namespace = dot < 0 ? ctx.namespaceOrDefault(ctx.namespace) : ref.slice(dot + 1);
  const name = `${pod}.${namespace}`;
  const found = statuses.find((s) => s.name === name);
  if (found?.proxyType === 'ztunnel') {
    return `Sync diff is not available for ztunnel pod ${name}\n`;
  }
  throw new CommandError(
    found
      ? `sync diff is not available for ${name}: it is a ${found.proxyType}, not an Envoy with a config_dump`
      : `no proxy ${name} is connected to istiod`,
  );
}
