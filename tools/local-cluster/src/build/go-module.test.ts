import { describe, expect, it } from 'vitest';
import {
  COREDNS_PLUGINS,
  coreDnsGoMod,
  coreDnsMain,
  goDirectiveOf,
  kubeBuildGoMod,
  kubeLdflags,
  stagingModulesFromGoMod,
} from './go-module.js';

// An excerpt in the shape of k8s.io/kubernetes' real go.mod.
const upstream = `module k8s.io/kubernetes

go 1.26.0

godebug default=go1.26

require (
	github.com/blang/semver/v4 v4.0.0
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
	k8s.io/klog/v2 v2.140.0
	k8s.io/kube-proxy v0.0.0 // indirect
	k8s.io/utils v0.0.0-20260626114624-be93311217bd
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	k8s.io/kube-proxy => ./staging/src/k8s.io/kube-proxy
	k8s.io/sample-controller => ./staging/src/k8s.io/sample-controller
)
`;

describe('the throwaway kubernetes module', () => {
  it('pins exactly the staging modules that are required at v0.0.0 and replaced with ./staging paths', () => {
    // sample-controller is replaced but not required (and not published): pinning it would break go.
    expect(stagingModulesFromGoMod(upstream)).toEqual([
      'k8s.io/api',
      'k8s.io/client-go',
      'k8s.io/kube-proxy',
    ]);
  });

  it('reads single-line require and replace directives too', () => {
    const text =
      'module x\n\nrequire k8s.io/api v0.0.0\nreplace k8s.io/api => ./staging/src/k8s.io/api\n';
    expect(stagingModulesFromGoMod(text)).toEqual(['k8s.io/api']);
  });

  it('writes a go.mod requiring k8s.io/kubernetes with every staging module replaced by its published tag', () => {
    const mod = kubeBuildGoMod({
      kubernetesVersion: 'v1.37.2',
      stagingVersion: 'v0.37.2',
      stagingModules: stagingModulesFromGoMod(upstream),
      goDirective: goDirectiveOf(upstream),
    });
    expect(mod).toContain('\ngo 1.26.0\n');
    expect(mod).toContain('require k8s.io/kubernetes v1.37.2');
    expect(mod).toContain('\tk8s.io/api => k8s.io/api v0.37.2\n');
    expect(mod).toContain('\tk8s.io/kube-proxy => k8s.io/kube-proxy v0.37.2\n');
    expect(mod).not.toContain('./staging');
  });

  it('refuses to write a module without staging pins (a wrong go.mod would build mismatched code)', () => {
    expect(() =>
      kubeBuildGoMod({
        kubernetesVersion: 'v1.37.2',
        stagingVersion: 'v0.37.2',
        stagingModules: [],
        goDirective: '1.26.0',
      }),
    ).toThrow(/no k8s.io staging modules/);
  });

  it('rejects a go.mod without a go directive', () => {
    expect(() => goDirectiveOf('module x\n')).toThrow(/no go directive/);
  });

  it('stamps the release version into component-base and client-go and strips symbols', () => {
    const flags = kubeLdflags('v1.37.2');
    expect(flags.startsWith('-s -w ')).toBe(true);
    expect(flags).toContain('-X k8s.io/component-base/version.gitVersion=v1.37.2');
    expect(flags).toContain('-X k8s.io/component-base/version.gitMajor=1');
    expect(flags).toContain('-X k8s.io/component-base/version.gitMinor=37');
    expect(flags).toContain('-X k8s.io/client-go/pkg/version.gitVersion=v1.37.2');
    expect(() => kubeLdflags('latest')).toThrow(/not a Kubernetes version/);
  });
});

describe('the CoreDNS module', () => {
  it('imports coremain and only the listed plugins, including kubernetes', () => {
    const main = coreDnsMain(COREDNS_PLUGINS);
    expect(main).toContain('"github.com/coredns/coredns/coremain"');
    expect(main).toContain('_ "github.com/coredns/coredns/plugin/kubernetes"');
    expect(main).not.toContain('core/plugin"');
    expect(main).toContain('coremain.Run()');
    expect(coreDnsGoMod('v1.15.0', '1.26.0')).toContain(
      'require github.com/coredns/coredns v1.15.0',
    );
  });
});
