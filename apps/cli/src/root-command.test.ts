import { describe, expect, it } from 'vitest';
import { indexFlags } from './cli/argv.js';
import { helpFlag } from './cli/help.js';
import type { CommandSpec } from './cli/spec.js';
import { rootCommand } from './root-command.js';
import { startHarness } from './testing/harness.js';
import { clientBuildInfo } from './version/build-info.js';

const root = rootCommand({
  istioNamespace: 'istio-system',
  buildInfo: clientBuildInfo('v20'),
  contextOf: () => {
    throw new Error('not in this test');
  },
});

function all(command: CommandSpec): CommandSpec[] {
  return [command, ...(command.subcommands ?? []).flatMap(all)];
}

describe('the istioctl command tree', () => {
  it('gives every flag name and shorthand one meaning, so pflag-style rewriting is safe', () => {
    expect(() => indexFlags(root, all(root).map(helpFlag))).not.toThrow();
  });

  it('declares no flag twice along any command path', () => {
    const walk = (command: CommandSpec, inherited: readonly string[]): void => {
      const own = [...(command.flags ?? []), ...(command.persistentFlags ?? [])].map((f) => f.name);
      const seen = [...inherited, ...own];
      expect(new Set(seen).size, command.name).toBe(seen.length);
      const passed = [...inherited, ...(command.persistentFlags ?? []).map((f) => f.name)];
      for (const sub of command.subcommands ?? []) walk(sub, passed);
    };
    walk(root, []);
  });
});

describe('istioctl help and errors', () => {
  it('prints the root help without arguments, exit 0', async () => {
    const h = await startHarness();
    try {
      const r = await h.run('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(
        /^Istio configuration command line utility for service operators to\ndebug and diagnose their Istio mesh\.\n\nUsage:\n {2}istioctl \[command\]\n\nAvailable Commands:\n/,
      );
      expect(r.stdout).toContain(
        '  experimental Experimental commands that may be modified or deprecated\n' +
          '  help         Help about any command\n' +
          '  proxy-status Retrieves the synchronization status of each Envoy in the mesh\n' +
          '  version      Prints out build version information\n' +
          '  waypoint     Manage waypoint configuration\n',
      );
      expect(r.stdout).toContain(
        '  -i, --istioNamespace string       Istio system namespace (default "istio-system")\n',
      );
      expect(r.stdout).not.toContain('log_output_level');
      expect(
        r.stdout.endsWith(
          'Use "istioctl [command] --help" for more information about a command.\n',
        ),
      ).toBe(true);
      // `help <path>` is the path's own help.
      expect((await h.run('help waypoint apply')).stdout).toBe(
        (await h.run('waypoint apply --help')).stdout,
      );
      expect((await h.run('x --help')).stdout).toContain('\nAliases:\n  experimental, x, exp\n');
      expect((await h.run('help nope')).stdout).toMatch(
        /^Unknown help topic \[`nope`\]\nUsage:\n {2}istioctl \[command\]\n/,
      );
    } finally {
      await h.close();
    }
  });

  it('exits 64 with suggestions for a mistyped command and for unknown flags', async () => {
    const h = await startHarness();
    try {
      expect(await h.run('wayp')).toMatchObject({
        code: 64,
        stderr:
          'Error: unknown command "wayp" for "istioctl"\n\nDid you mean this?\n\twaypoint\n\nRun \'istioctl --help\' for usage.\n',
      });
      expect(await h.run('waypoint list --watch')).toMatchObject({
        code: 64,
        stderr: 'Error: unknown flag: --watch\n',
      });
      expect(await h.run('waypoint apply --waypoint-timeout 5')).toMatchObject({
        code: 64,
        stderr:
          'Error: invalid argument "5" for "--waypoint-timeout" flag: time: missing unit in duration "5"\n',
      });
    } finally {
      await h.close();
    }
  });

  it('words an unreachable or slow API server as client-go does', async () => {
    const h = await startHarness();
    try {
      h.api.addNamespace('default');
      h.api.delayMs = 300;
      const slow = await h.run('waypoint list --kubeclient-timeout 50ms');
      expect(slow.code).toBe(1);
      expect(slow.stderr).toMatch(
        /^Error: Get "http:\/\/127\.0\.0\.1:\d+\/apis\/gateway\.networking\.k8s\.io\/v1\/namespaces\/default\/gateways": net\/http: request canceled \(Client\.Timeout exceeded while awaiting headers\)\n$/,
      );
      expect((await h.run('waypoint list --kubeclient-timeout soon')).stderr).toBe(
        'Error: failed to create Kubernetes client: time: invalid duration "soon"\n',
      );
      // Stop the server: nothing listens on its port any more.
      await h.api.close();
      const gone = await h.runArgv(['waypoint', 'apply']);
      expect(gone.stderr).toMatch(
        /^Error: failed to get namespace default: Get "http:\/\/127\.0\.0\.1:(\d+)\/api\/v1\/namespaces\/default": dial tcp 127\.0\.0\.1:\1: connect: connection refused\n$/,
      );
    } finally {
      await h.close();
    }
  });
});
