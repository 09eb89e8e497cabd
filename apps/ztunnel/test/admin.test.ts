// The node-level endpoints of a ztunnel that has neither istiod nor the CNI
// yet (no root or namespaces needed): readiness names what it waits for,
// /logging reads and changes levels, /quitquitquit is POST-only, metrics and
// /config_dump answer in upstream's shape.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { LogManager } from '../src/telemetry/logging.js';
import { Ztunnel, type ZtunnelAddresses } from '../src/ztunnel.js';
import { LogCapture } from './harness/mesh.js';

describe('admin, metrics and readiness endpoints', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ztunnel-admin-'));
  let ztunnel: Ztunnel;
  let addrs: ZtunnelAddresses;
  let quits = 0;
  const url = (a: { port: number }, p: string) => `http://127.0.0.1:${a.port}${p}`;

  beforeAll(async () => {
    const config = loadConfig({
      NODE_NAME: 'node1',
      XDS_ADDRESS: `unix:${path.join(dir, 'no-istiod.sock')}`,
      CA_ADDRESS: `unix:${path.join(dir, 'no-ca.sock')}`,
      AUTH_TOKEN: 'token',
      INPOD_UDS: path.join(dir, 'no-cni.sock'),
      ADMIN_ADDR: '127.0.0.1:0',
      STATS_ADDR: '127.0.0.1:0',
      READINESS_ADDR: '127.0.0.1:0',
      RUST_LOG: 'info',
    });
    ztunnel = new Ztunnel(config, {
      logs: new LogManager({
        format: 'json',
        directives: config.logLevel,
        destination: new LogCapture(),
      }),
      onQuit: () => {
        quits++;
      },
    });
    addrs = await ztunnel.start();
  });
  afterAll(async () => {
    await ztunnel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is not ready, naming both pending tasks, and refuses other methods', async () => {
    const res = await fetch(url(addrs.readiness, '/healthz/ready'));
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('not ready, pending: state manager, workload proxy manager\n');
    expect((await fetch(url(addrs.readiness, '/healthz/ready'), { method: 'POST' })).status).toBe(
      405,
    );
  });

  it('shows and changes log levels through /logging', async () => {
    expect(await (await fetch(url(addrs.admin, '/logging'))).text()).toBe(
      'current log level is info\n',
    );
    const set = await fetch(url(addrs.admin, '/logging?level=access:debug'), { method: 'POST' });
    expect(await set.text()).toBe('current log level is info,access:debug\n');
    expect(
      (await fetch(url(addrs.admin, '/logging?level=shouting'), { method: 'POST' })).status,
    ).toBe(400);
    const reset = await fetch(url(addrs.admin, '/logging?reset'), { method: 'POST' });
    expect(await reset.text()).toBe('current log level is info\n');
  });

  it('only shuts down on POST /quitquitquit', async () => {
    expect((await fetch(url(addrs.admin, '/quitquitquit'))).status).toBe(405);
    expect(quits).toBe(0);
    const res = await fetch(url(addrs.admin, '/quitquitquit'), { method: 'POST' });
    expect(res.status).toBe(200);
    expect(quits).toBe(1);
  });

  it('serves Prometheus text on /stats/prometheus and /metrics', async () => {
    for (const p of ['/stats/prometheus', '/metrics']) {
      const res = await fetch(url(addrs.stats, p));
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toContain('istio_build{component="ztunnel",tag=');
      expect(text).toContain('workload_manager_active_proxy_count 0');
    }
  });

  it("dumps config in upstream's top-level shape", async () => {
    const dump = (await (await fetch(url(addrs.admin, '/config_dump'))).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(dump)).toEqual([
      'workloads',
      'services',
      'policies',
      'stagedServices',
      'version',
      'config',
      'certificates',
      'workloadState',
    ]);
    expect(JSON.stringify(dump.config)).not.toContain('"token"');
  });
});
