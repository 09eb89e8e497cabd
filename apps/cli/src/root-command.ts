// The `istioctl` root: upstream's global flags (istioctl/pkg/cli/option.go,
// klog's --vklog, the hidden logging flags), the commands of the ambient
// subset, `experimental` (alias x) and cobra's `help`.
// Commands to come (ztunnel-config) plug in next to waypoint.

import { renderHelp, renderUsage } from './cli/help.js';
import type { CommandSpec, FlagSpec, Invocation } from './cli/spec.js';
import type { CliContext } from './context.js';
import type { BuildInfo } from './version/build-info.js';
import { proxyStatusCommand } from './proxy-status/proxy-status-command.js';
import { versionCommand } from './version/version-command.js';
import { waypointCommand } from './waypoint/waypoint-command.js';

export interface RootOptions {
  /** Default of -i/--istioNamespace. */
  readonly istioNamespace: string;
  readonly buildInfo: BuildInfo;
  readonly contextOf: (invocation: Invocation) => CliContext;
}

export function globalFlags(istioNamespace: string): FlagSpec[] {
  return [
    {
      kind: 'string',
      name: 'kubeconfig',
      short: 'c',
      usage: 'Kubernetes configuration file',
      default: '',
    },
    { kind: 'string', name: 'context', usage: 'Kubernetes configuration context', default: '' },
    {
      kind: 'string',
      name: 'as',
      usage:
        'Username to impersonate for the operation. User could be a regular user or a service account in a namespace',
      default: '',
    },
    { kind: 'string', name: 'as-uid', usage: 'UID to impersonate for the operation.', default: '' },
    {
      kind: 'stringArray',
      name: 'as-group',
      usage:
        'Group to impersonate for the operation, this flag can be repeated to specify multiple groups.',
      default: [],
    },
    { kind: 'string', name: 'namespace', short: 'n', usage: 'Kubernetes namespace', default: '' },
    {
      kind: 'string',
      name: 'istioNamespace',
      short: 'i',
      usage: 'Istio system namespace',
      default: istioNamespace,
    },
    {
      kind: 'string',
      name: 'kubeclient-timeout',
      usage: 'Kubernetes client timeout as a time.Duration string, defaults to 15 seconds.',
      default: '15s',
    },
    {
      kind: 'level',
      name: 'vklog',
      usage: 'number for the log level verbosity. Like -v flag. ex: --vklog=9',
      default: 0,
    },
    // Upstream's logging flags are accepted and hidden; this istioctl logs nothing.
    {
      kind: 'bool',
      name: 'log_as_json',
      usage: 'Whether to format output as JSON or in plain console-friendly format',
      default: false,
      hidden: true,
    },
    {
      kind: 'string',
      name: 'log_output_level',
      usage: 'Comma-separated minimum per-scope logging level of messages to output',
      default: 'default:info',
      hidden: true,
    },
    {
      kind: 'string',
      name: 'log_stacktrace_level',
      usage: 'Comma-separated minimum per-scope logging level at which stack traces are captured',
      default: 'default:none',
      hidden: true,
    },
    {
      kind: 'string',
      name: 'log_target',
      usage: 'The set of paths where to output the log.',
      default: 'stdout',
      hidden: true,
    },
    {
      kind: 'string',
      name: 'log_caller',
      usage: 'Comma-separated list of scopes for which to include caller information',
      default: '',
      hidden: true,
    },
  ];
}

export function rootCommand(options: RootOptions): CommandSpec {
  const waypoint = waypointCommand(options.contextOf);
  const proxyStatus = proxyStatusCommand(options.contextOf);
  const root: CommandSpec = {
    name: 'istioctl',
    short: 'Istio control interface.',
    long: `Istio configuration command line utility for service operators to
debug and diagnose their Istio mesh.
`,
    persistentFlags: globalFlags(options.istioNamespace),
    subcommands: [
      versionCommand(options.contextOf, options.buildInfo),
      waypoint,
      proxyStatus,
      {
        name: 'experimental',
        aliases: ['x', 'exp'],
        short: 'Experimental commands that may be modified or deprecated',
        // Upstream moved waypoint out of experimental in 1.23; `istioctl x waypoint`
        // (the 1.22 spelling, still in many guides) keeps working here.
        // Upstream registers proxy-status under experimental too (`istioctl x ps`).
        subcommands: [waypoint, proxyStatus],
      },
      helpCommand(() => root),
    ],
  };
  return root;
}

/** cobra's default `help [command]`. */
function helpCommand(rootOf: () => CommandSpec): CommandSpec {
  return {
    name: 'help',
    short: 'Help about any command',
    long: `Help provides help for any command in the application.
Simply type istioctl help [path to command] for full details.`,
    run: (i) => {
      const root = rootOf();
      const path: CommandSpec[] = [root];
      for (const word of i.args) {
        const next = path[path.length - 1]?.subcommands?.find(
          (c) => c.name === word || c.aliases?.includes(word),
        );
        if (!next) break;
        path.push(next);
      }
      if (path.length === 1 && i.args.length > 0) {
        // cobra: an unknown first word is an unknown topic, answered with the root's usage.
        i.out.out(`Unknown help topic [${i.args.map((a) => `\`${a}\``).join(' ')}]\n`);
        i.out.out(renderUsage([root]));
        return Promise.resolve();
      }
      // Further unknown words are arguments of the deepest command found.
      i.out.out(renderHelp(path));
      return Promise.resolve();
    },
  };
}
