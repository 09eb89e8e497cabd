import { describe, expect, it } from 'vitest';
import { CniError } from './errors.js';
import {
  defaultConfList,
  parseConfList,
  parsePluginOutput,
  pickConfFile,
  pluginEnv,
  pluginStdin,
  podPortMappings,
  resultIPs,
} from './cni-config.js';

describe('CNI configuration', () => {
  it('uses the first .conflist in lexical order, falling back to .conf', () => {
    expect(pickConfFile(['20-b.conflist', '10-a.conflist', '05-x.conf'])).toBe('10-a.conflist');
    expect(pickConfFile(['README', '99-x.conf'])).toBe('99-x.conf');
    expect(pickConfFile(['README'])).toBeUndefined();
  });

  it('reads a conflist and turns a single-plugin .conf into a list', () => {
    const list = parseConfList(
      JSON.stringify(defaultConfList(['10.244.1.0/24'], '/n/var/lib/cni/networks')),
      'x.conflist',
    );
    expect(list.plugins.map((p) => p.type)).toEqual(['ptp']);
    const single = parseConfList('{"cniVersion":"0.4.0","name":"n","type":"bridge"}', 'x.conf');
    expect(single).toMatchObject({ cniVersion: '0.4.0', name: 'n', plugins: [{ type: 'bridge' }] });
    expect(() => parseConfList('nope', 'f')).toThrow(CniError);
    expect(() => parseConfList('{"name":"n","plugins":[{}]}', 'f')).toThrow(
      'plugins[0] has no "type"',
    );
  });

  it('chains prevResult and the list name/version into each plugin config', () => {
    const list = parseConfList(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'k8s',
        plugins: [
          { type: 'ptp', ipam: {} },
          { type: 'istio-cni', x: 1 },
        ],
      }),
      'f',
    );
    const first = JSON.parse(pluginStdin(list, list.plugins[0]!, undefined)) as Record<
      string,
      unknown
    >;
    expect(first).toEqual({ type: 'ptp', ipam: {}, cniVersion: '1.0.0', name: 'k8s' });
    const prev = { cniVersion: '1.0.0', ips: [{ address: '10.244.1.5/24' }] };
    const second = JSON.parse(pluginStdin(list, list.plugins[1]!, prev)) as Record<string, unknown>;
    expect(second).toEqual({
      type: 'istio-cni',
      x: 1,
      cniVersion: '1.0.0',
      name: 'k8s',
      prevResult: prev,
    });
  });

  it('gives hostPort mappings to plugins that declare the portMappings capability only', () => {
    const list = parseConfList(
      JSON.stringify({
        cniVersion: '1.0.0',
        name: 'k8s',
        plugins: [{ type: 'ptp' }, { type: 'portmap', capabilities: { portMappings: true } }],
      }),
      'f',
    );
    const portMappings = podPortMappings([
      {
        ports: [
          { containerPort: 80, hostPort: 8080 },
          { containerPort: 53, protocol: 'UDP' },
        ],
      },
    ]);
    expect(portMappings).toEqual([{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }]);
    const ptp = JSON.parse(
      pluginStdin(list, list.plugins[0]!, undefined, { portMappings }),
    ) as Record<string, unknown>;
    expect(ptp.runtimeConfig).toBeUndefined();
    const pm = JSON.parse(
      pluginStdin(list, list.plugins[1]!, undefined, { portMappings }),
    ) as Record<string, unknown>;
    expect(pm.runtimeConfig).toEqual({
      portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
    });
  });

  it('passes the runtime parameters in the CNI_* environment', () => {
    expect(
      pluginEnv('ADD', {
        containerId: 'abc',
        netns: '/s/netns/x',
        ifName: 'eth0',
        args: {
          K8S_POD_NAMESPACE: 'ns',
          K8S_POD_NAME: 'p',
          K8S_POD_INFRA_CONTAINER_ID: 'abc',
          K8S_POD_UID: 'u',
        },
        path: ['/opt/cni/bin', '/usr/lib/cni'],
      }),
    ).toEqual({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'abc',
      CNI_NETNS: '/s/netns/x',
      CNI_IFNAME: 'eth0',
      CNI_ARGS: 'K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u',
      CNI_PATH: '/opt/cni/bin:/usr/lib/cni',
    });
  });

  it('reads pod IPs from the final result and plugin errors from the CNI error object', () => {
    expect(resultIPs({ ips: [{ address: '10.244.1.5/24' }, { address: 'fd00::5/64' }] })).toEqual([
      '10.244.1.5',
      'fd00::5',
    ]);
    expect(resultIPs(undefined)).toEqual([]);
    expect(parsePluginOutput('ptp', 'ADD', '{"ips":[]}', 0, '')).toEqual({ ips: [] });
    expect(() =>
      parsePluginOutput(
        'istio-cni',
        'ADD',
        '{"code":999,"msg":"agent down","details":"dial"}',
        1,
        '',
      ),
    ).toThrow('CNI ADD with plugin "istio-cni" failed: agent down: dial');
    expect(() => parsePluginOutput('x', 'DEL', '', 2, 'boom\n')).toThrow('failed: boom');
  });

  it('writes a ptp + host-local default over the node pod CIDR without masquerade', () => {
    const c = defaultConfList(['10.244.1.0/24'], '/n/var/lib/cni/networks');
    expect(c.plugins[0]).toMatchObject({
      type: 'ptp',
      ipMasq: false,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]] },
    });
  });
});
