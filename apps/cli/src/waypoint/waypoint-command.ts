// `istioctl waypoint` and its subcommands: upstream's names, texts and flags
// (istioctl/pkg/waypoint), wired to the actions in this directory.

import { CommandError } from '../cli/errors.js';
import type { CommandSpec, FlagSpec, Invocation } from '../cli/spec.js';
import type { CliContext } from '../context.js';
import type { KubeClient } from '../kube/kube-client.js';
import { applyWaypoint } from './apply.js';
import { DEFAULT_WAYPOINT_NAME, TRAFFIC_TYPES } from './constants.js';
import { deleteWaypoints } from './delete.js';
import { WaypointSpecError, gatewayYaml, makeWaypointGateway } from './gateway.js';
import * as msg from './messages.js';
import { messageOf } from './namespaces.js';
import { waypointStatus } from './status.js';
import { renderWaypointList } from './tables.js';

const WAIT_TIMEOUT_NS = 90e9;

const forFlag: FlagSpec = {
  kind: 'string',
  name: 'for',
  usage: `Specify the traffic type [${TRAFFIC_TYPES.join(' ')}] for the waypoint`,
  default: '',
};
const revisionFlag: FlagSpec = {
  kind: 'string',
  name: 'revision',
  short: 'r',
  usage: 'The revision to label the waypoint with',
  default: '',
};

const noArgs = (args: readonly string[]): void => {
  const first = args[0];
  if (first !== undefined) throw new CommandError(msg.unknownSubcommand(first));
};

export function waypointCommand(contextOf: (invocation: Invocation) => CliContext): CommandSpec {
  const client = (ctx: CliContext): KubeClient => {
    try {
      return ctx.kubeClient();
    } catch (error) {
      throw new CommandError(msg.kubeClientFailed(messageOf(error)));
    }
  };

  const generate: CommandSpec = {
    name: 'generate',
    short: 'Generate a waypoint configuration',
    long: 'Generate a waypoint configuration as YAML',
    example: `  # Generate a waypoint as yaml
  istioctl waypoint generate --namespace default`,
    flags: [forFlag, revisionFlag],
    run: (i) => {
      const ctx = contextOf(i);
      let yaml: string;
      try {
        yaml = gatewayYaml(
          makeWaypointGateway({
            name: i.flags.string('name'),
            // Without -n the YAML names no namespace, so it can be applied anywhere.
            namespace: ctx.namespace,
            trafficType: i.flags.string('for'),
            revision: i.flags.string('revision'),
          }),
        );
      } catch (error) {
        if (error instanceof WaypointSpecError)
          throw new CommandError(msg.createGatewayFailed(error.message));
        throw error;
      }
      i.out.out(yaml);
      return Promise.resolve();
    },
  };

  const apply: CommandSpec = {
    name: 'apply',
    short: 'Apply a waypoint configuration',
    long: 'Apply a waypoint configuration to the cluster',
    example: `  # Apply a waypoint to the current namespace
  istioctl waypoint apply

  # Apply a waypoint to a specific namespace and wait for it to be ready
  istioctl waypoint apply --namespace default --wait`,
    flags: [
      forFlag,
      {
        kind: 'bool',
        name: 'enroll-namespace',
        usage: 'If set, the namespace will be labeled with the waypoint name',
        default: false,
      },
      {
        kind: 'bool',
        name: 'overwrite',
        usage: 'Overwrite the existing Waypoint used by the namespace',
        default: false,
      },
      revisionFlag,
      {
        kind: 'bool',
        name: 'wait',
        short: 'w',
        usage: 'Wait for the waypoint to be ready',
        default: false,
      },
      {
        kind: 'duration',
        name: 'waypoint-timeout',
        usage: 'Timeout for waiting for waypoint ready',
        default: WAIT_TIMEOUT_NS,
      },
    ],
    run: async (i) => {
      const ctx = contextOf(i);
      const kube = client(ctx);
      await applyWaypoint(kube, ctx.clock, i.out, {
        namespace: ctx.namespaceOrDefault(ctx.namespace),
        name: i.flags.string('name'),
        trafficType: i.flags.string('for'),
        revision: i.flags.string('revision'),
        enrollNamespace: i.flags.bool('enroll-namespace'),
        overwrite: i.flags.bool('overwrite'),
        wait: i.flags.bool('wait'),
        timeoutMs: i.flags.duration('waypoint-timeout') / 1e6,
      });
    },
  };

  const deleteCommand: CommandSpec = {
    name: 'delete',
    short: 'Delete a waypoint configuration',
    long: 'Delete a waypoint configuration from the cluster',
    example: `  # Delete a waypoint by name, which can obtain from istioctl waypoint list
  istioctl waypoint delete waypoint-name --namespace default

  # Delete several waypoints by name
  istioctl waypoint delete waypoint-name1 waypoint-name2 --namespace default

  # Delete all waypoints in a specific namespace
  istioctl waypoint delete --all --namespace default

  # Delete specific revision waypoints in a namespace
  istioctl waypoint delete --revision v1 --namespace default`,
    flags: [
      { kind: 'bool', name: 'all', usage: 'Delete all waypoints in the namespace', default: false },
      {
        kind: 'string',
        name: 'revision',
        short: 'r',
        usage: 'Delete the specified version of the waypoint in the namespace',
        default: '',
      },
    ],
    args: (args, flags) => {
      const everything = flags.bool('all') || flags.string('revision') !== '';
      if (everything && args.length > 0) throw new CommandError(msg.namesWithAll);
      if (!everything && args.length === 0) throw new CommandError(msg.nothingToDelete);
    },
    run: async (i) => {
      const ctx = contextOf(i);
      const kube = client(ctx);
      const revision = i.flags.string('revision');
      const everything = i.flags.bool('all') || revision !== '';
      await deleteWaypoints(kube, i.out, {
        namespace: ctx.namespaceOrDefault(ctx.namespace),
        names: everything ? undefined : i.args,
        revision,
      });
    },
  };

  const list: CommandSpec = {
    name: 'list',
    short: 'List managed waypoint configurations',
    long: 'List managed waypoint configurations in the cluster',
    example: `  # List all waypoints in a specific namespace
  istioctl waypoint list --namespace default

  # List all waypoints in the cluster
  istioctl waypoint list -A`,
    flags: [
      {
        kind: 'bool',
        name: 'all-namespaces',
        short: 'A',
        usage: 'List all waypoints in all namespaces',
        default: false,
      },
    ],
    run: async (i) => {
      const ctx = contextOf(i);
      const kube = client(ctx);
      const all = i.flags.bool('all-namespaces');
      let gateways;
      try {
        gateways = await kube.listGateways(all ? undefined : ctx.namespaceOrDefault(ctx.namespace));
      } catch (error) {
        throw new CommandError(messageOf(error));
      }
      i.out.out(renderWaypointList(gateways, all));
    },
  };

  const status: CommandSpec = {
    name: 'status',
    short: 'Show the status of waypoints',
    long: 'Show the status of waypoints in the cluster',
    example: `  # Show the status of the waypoint in the default namespace
  istioctl waypoint status

  # Show the status of the waypoint in a specific namespace
  istioctl waypoint status --namespace default

  # Show the status of the waypoint in all namespaces
  istioctl waypoint status --all-namespaces`,
    flags: [
      {
        kind: 'bool',
        name: 'wait',
        short: 'w',
        usage: 'Wait for the waypoint to be ready',
        default: true,
      },
      {
        kind: 'duration',
        name: 'waypoint-timeout',
        usage: 'Timeout for retrieving status for waypoint',
        default: WAIT_TIMEOUT_NS,
      },
      {
        kind: 'bool',
        name: 'all-namespaces',
        short: 'A',
        usage: 'Show the status of waypoints in all namespaces',
        default: false,
      },
    ],
    args: noArgs,
    run: async (i) => {
      const ctx = contextOf(i);
      const kube = client(ctx);
      await waypointStatus(kube, ctx.clock, i.out, {
        namespace: i.flags.bool('all-namespaces')
          ? undefined
          : ctx.namespaceOrDefault(ctx.namespace),
        wait: i.flags.bool('wait'),
        timeoutMs: i.flags.duration('waypoint-timeout') / 1e6,
      });
    },
  };

  return {
    name: 'waypoint',
    short: 'Manage waypoint configuration',
    long: 'A group of commands used to manage waypoint configuration',
    example: `  # Apply a waypoint to the current namespace
  istioctl waypoint apply

  # Generate a waypoint as yaml
  istioctl waypoint generate --namespace default

  # List all waypoints in a specific namespace
  istioctl waypoint list --namespace default`,
    persistentFlags: [
      {
        kind: 'string',
        name: 'name',
        usage: 'name of the waypoint',
        default: DEFAULT_WAYPOINT_NAME,
      },
    ],
    args: noArgs,
    run: (i) => {
      i.printHelp();
      return Promise.resolve();
    },
    subcommands: [generate, deleteCommand, list, apply, status],
  };
}
