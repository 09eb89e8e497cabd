import { describe, expect, it } from 'vitest';
import { demoInstructions } from './demo-instructions.js';

const facts = {
  clusterName: 'ambient-ts',
  kubeconfig: '/tmp/ambient-ts-clusters/ambient-ts/kubeconfig',
  logsDir: '/tmp/ambient-ts-clusters/ambient-ts/logs',
  namespace: 'default',
  nodes: ['node-1', 'node-2'],
};

describe('the instructions the demo leaves', () => {
  it('names the kubeconfig, the ztunnel commands and the teardown of the default cluster', () => {
    const text = demoInstructions(facts);
    expect(text).toContain('export KUBECONFIG=/tmp/ambient-ts-clusters/ambient-ts/kubeconfig');
    expect(text).toContain('npm run -s demo -- ztunnel /config_dump');
    expect(text).toContain('--node node-2');
    expect(text).toContain("logs -l app=ztunnel --tail=-1 --prefix | grep 'connection complete'");
    expect(text).toContain('REDIRECTION:.metadata.annotations.ambient\\.istio\\.io/redirection');
    expect(text.endsWith('Tear it down: npm run cluster:down')).toBe(true);
  });

  it('passes a non-default cluster name to every command', () => {
    const text = demoInstructions({ ...facts, clusterName: 'mine' });
    expect(text).toContain('npm run -s demo -- --name mine ztunnel /config_dump');
    expect(text.endsWith('Tear it down: npm run cluster:down -- --name mine')).toBe(true);
  });
});
