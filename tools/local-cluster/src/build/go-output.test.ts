import { describe, expect, it } from 'vitest';
import { GoOutputSummary } from './go-output.js';

describe('go build -v output summary', () => {
  it('counts compiled packages and downloads, remembering the last package', () => {
    const s = new GoOutputSummary();
    for (const l of [
      'go: downloading k8s.io/api v0.37.2',
      'internal/goarch',
      'k8s.io/apimachinery/pkg/util/sets',
      'github.com/google/cel-go/common/types',
      '',
    ])
      s.feed(l);
    expect(s.packagesCompiled).toBe(3);
    expect(s.modulesDownloaded).toBe(1);
    expect(s.describe()).toBe(
      '3 packages compiled, 1 modules downloaded, last github.com/google/cel-go/common/types',
    );
  });

  it('does not count compiler errors as packages, and keeps them for the error message', () => {
    const s = new GoOutputSummary(2);
    s.feed('# k8s.io/kubernetes/pkg/foo');
    s.feed('pkg/foo/bar.go:12:3: undefined: Baz');
    s.feed('pkg/foo/bar.go:13:3: undefined: Qux');
    expect(s.packagesCompiled).toBe(0);
    expect(s.lastLines()).toBe(
      'pkg/foo/bar.go:12:3: undefined: Baz\npkg/foo/bar.go:13:3: undefined: Qux',
    );
  });
});
