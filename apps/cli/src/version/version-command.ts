// `istioctl version`: client, control plane and data plane versions, with
// upstream's flags (--short and --remote on by default) and outputs.

import { CommandError } from '../cli/errors.js';
import type { CommandSpec, Invocation } from '../cli/spec.js';
import type { CliContext } from '../context.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { BuildInfo } from './build-info.js';
import {
  renderJson,
  renderLong,
  renderShort,
  renderYaml,
  type VersionReport,
} from './mesh-info.js';
import { meshVersions, proxyVersions } from './remote.js';

export function versionCommand(
  contextOf: (i: Invocation) => CliContext,
  client: BuildInfo,
): CommandSpec {
  return {
    name: 'version',
    short: 'Prints out build version information',
    flags: [
      {
        kind: 'string',
        name: 'output',
        short: 'o',
        usage: "One of 'yaml' or 'json'.",
        default: '',
      },
      {
        kind: 'bool',
        name: 'remote',
        usage: 'Use --remote=false to suppress control plane check',
        default: true,
        hideDefault: true,
      },
      {
        kind: 'bool',
        name: 'short',
        short: 's',
        usage: 'Use --short=false to generate full version information',
        default: true,
        hideDefault: true,
      },
    ],
    persistentFlags: [
      {
        kind: 'string',
        name: 'revision',
        short: 'r',
        usage: 'Control plane revision',
        default: '',
      },
    ],
    run: async (i) => {
      const output = i.flags.string('output');
      if (output !== '' && output !== 'yaml' && output !== 'json') {
        throw new CommandError("--output must be 'yaml' or 'json'");
      }
      let report: VersionReport = { client };
      if (i.flags.bool('remote')) {
        const ctx = contextOf(i);
        const revision = i.flags.string('revision');
        let kube: KubeClient | undefined;
        let clientError: string | undefined;
        try {
          kube = ctx.kubeClient();
        } catch (error) {
          clientError = (error as Error).message;
        }
        const mesh = kube
          ? await meshVersions(kube, ctx.istioNamespace, revision)
          : { value: undefined, error: clientError };
        // Upstream reports control plane trouble on stderr and carries on.
        const problems = [
          ...(mesh.value === undefined ? ['Istio is not present in the cluster'] : []),
          ...(mesh.error !== undefined ? [`: ${mesh.error}`] : []),
        ];
        if (problems.length > 0) i.out.err(`${problems.join('')}\n`);
        const proxies = kube ? await proxyVersions(kube, ctx.istioNamespace, revision) : undefined;
        report = {
          client,
          ...(mesh.value && { mesh: mesh.value }),
          ...(proxies?.value && { dataPlane: proxies.value }),
        };
      }
      switch (output) {
        case 'json':
          i.out.out(renderJson(report));
          return;
        case 'yaml':
          i.out.out(renderYaml(report));
          return;
        default:
          i.out.out(i.flags.bool('short') ? renderShort(report) : renderLong(report));
      }
    },
  };
}
