// The real entry point (src/main.ts) as a separate process, configured only
// through the environment: readiness gating on xDS, traffic, upstream's plain
// log format, SIGTERM drain (listeners close at once, open connections keep
// working until the deadline), and a fresh process re-enrolling pods from the
// ZDS replay.

import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dial, echoServer, exchange, outcome, type EchoServer } from './harness/apps.js';
import { labUnavailable } from './harness/lab.js';
import { Mesh, until, type MeshPod } from './harness/mesh.js';
import { TestZdsServer } from './harness/zds-server.js';
import { startZtunnelProcess, type ZtunnelProcess } from './harness/ztunnel-process.js';

async function startProcess(mesh: Mesh, zdsPath: string): Promise<ZtunnelProcess> {
  return startZtunnelProcess({
    ...mesh.cp.env(),
    NODE_NAME: 'node1',
    POD_NAME: 'ztunnel-abc',
    POD_NAMESPACE: 'istio-system',
    INPOD_UDS: zdsPath,
    LOG_FORMAT: 'plain',
    CONNECTION_TERMINATION_DEADLINE: '3s',
    ISTIO_META_DNS_CAPTURE: 'false',
  });
}

function readiness(p: ZtunnelProcess) {
  return p.readiness();
}

function greeted(s: Socket): Promise<string> {
  return new Promise((resolve) =>
    s.once('data', (d: Buffer) => {
      resolve(d.toString());
    }),
  );
}

describe.skipIf(labUnavailable !== undefined)(
  `the ztunnel process${labUnavailable ? ` (skipped: ${labUnavailable})` : ''}`,
  () => {
    let mesh: Mesh;
    let zds: TestZdsServer;
    let client: MeshPod;
    let server: MeshPod;
    let echo: EchoServer;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      mesh = await Mesh.create();
      try {
        zds = new TestZdsServer(path.join(mesh.cp.dir, 'ztunnel.sock'));
        client = await mesh.pod('node1', 'client');
        server = await mesh.pod('node1', 'server');
        echo = echoServer(server.netns, 'server', 8080);
        for (const p of [client, server]) {
          zds
            .add({
              uid: p.podUid,
              name: p.name,
              namespace: p.namespace,
              serviceAccount: p.serviceAccount,
              netnsPath: p.lab.path,
            })
            .catch(() => undefined);
        }
      } catch (err) {
        await mesh.close();
        throw err;
      }
    });
    afterEach(() => {
      // A failed test must not leave its process holding the pods' listeners (SO_REUSEPORT).
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    });
    afterAll(async () => {
      await echo?.close();
      zds?.close();
      await mesh?.close();
    });

    it('is not ready before istiod has answered both types, then serves traffic and logs in plain format', async () => {
      await mesh.cp.stopXds();
      const p = await startProcess(mesh, zds.path);
      children.push(p.child);
      await until(async () => (await readiness(p)) !== undefined, 'the readiness endpoint', 30_000);
      const before = await readiness(p);
      expect(before?.status).toBe(500);
      expect(before?.body).toMatch(/^not ready, pending: .*state manager/);
      await mesh.cp.startXds();
      await until(
        async () => (await readiness(p))?.status === 200,
        'readiness after istiod is back',
        30_000,
      );
      await until(
        () => p.lines.some((l) => l.includes('certificate issued') && l.includes('sa/server')),
        'the server certificate',
      );
      const r = await exchange(client.netns, server.ip, 8080, Buffer.from('through the process'));
      expect(r.echoed.toString()).toBe('through the process');
      const outbound = (l: string) =>
        l.includes('\taccess\tconnection complete\t') && l.includes('direction="outbound"');
      await until(() => p.lines.some(outbound), 'the outbound access line', 10_000);
      const line = p.lines.find(outbound)!;
      expect(line).toMatch(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z\\tinfo\\taccess\\tconnection complete\\tsrc\\.addr=${client.ip.replaceAll('.', '\\.')}:\\d+ src\\.workload="client" `,
        ),
      );
      expect(line).toContain(`dst.addr=${server.ip}:15008 dst.hbone_addr=${server.ip}:8080 `);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    });

    it('on SIGTERM stops taking connections but lets open ones run until the deadline, then exits', async () => {
      const p = await startProcess(mesh, zds.path);
      children.push(p.child);
      await until(
        async () => (await readiness(p))?.status === 200,
        'the second process to be ready',
        30_000,
      );
      for (const sa of ['sa/client', 'sa/server']) {
        await until(
          () => p.lines.some((l) => l.includes('certificate issued') && l.includes(sa)),
          sa,
        );
      }
      const s = await dial(client.netns, server.ip, 8080);
      expect(await greeted(s)).toBe('server\n');
      const ended = outcome(s);
      p.child.kill('SIGTERM');
      await until(() => p.lines.some((l) => l.includes('shutting down')), 'the drain to start');
      // Open connection still works during the drain.
      const echoed = await new Promise<string>((resolve) => {
        s.once('data', (d: Buffer) => {
          resolve(d.toString());
        });
        s.write('during drain');
      });
      expect(echoed).toBe('during drain');
      // New connections are no longer accepted: the pod's 15001 listener is gone.
      await expect(exchange(client.netns, server.ip, 8080, Buffer.from('new'))).rejects.toThrow();
      expect(await p.exited).toBe(0);
      await ended;
    });

    it('a fresh process re-enrols the pods from the ZDS replay', async () => {
      const hellos = zds.hellos;
      const p = await startProcess(mesh, zds.path);
      children.push(p.child);
      await until(() => zds.hellos === hellos + 1, 'the new process to connect to ZDS', 30_000);
      await until(
        async () => (await readiness(p))?.status === 200,
        'the third process to be ready',
        30_000,
      );
      await until(
        () => p.lines.filter((l) => l.includes('pod received, starting proxy')).length === 2,
        'both pods',
      );
      await until(
        () => p.lines.some((l) => l.includes('certificate issued') && l.includes('sa/server')),
        'the server certificate',
      );
      const r = await exchange(client.netns, server.ip, 8080, Buffer.from('after restart'));
      expect(r.echoed.toString()).toBe('after restart');
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
    });
  },
);
