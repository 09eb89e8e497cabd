// As root, without Kubernetes: a "pod" (a process in a fresh netns holding a pod IP) is found
// by the /proc scan, gets the real in-pod rules (iptables-save inside the netns shows them),
// is handed to a SEQPACKET ztunnel stand-in with its netns fd, and is cleaned up again.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { InpodRedirector, nsenterRunner } from '@ambient-ts/inpod-redirection';
import {
  asNetnsFd,
  closeFd,
  connectSeqpacket,
  netnsInode,
  openNetns,
} from '@ambient-ts/linux-sockets';
import { zds } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPodUid } from '../brands.js';
import { NetnsNotFoundError } from '../errors.js';
import { silentLog } from '../log.js';
import { procNetnsLocator } from '../netns/netns-locator.js';
import { seqpacketListener } from '../zds/seqpacket-transport.js';
import { ZdsServer } from '../zds/zds-server.js';

const isRoot = process.getuid?.() === 0 && process.platform === 'linux';
const run = `cniit${process.pid.toString(36)}${Date.now().toString(36).slice(-4)}`;
const podIp = `10.254.${process.pid % 250}.${(Date.now() % 250) + 1}`;

const iptablesSave = (ns: string): string =>
  execFileSync('ip', ['netns', 'exec', ns, 'iptables-save'], { encoding: 'utf8' });

describe.skipIf(!isRoot)('capturing a pod for real (root)', () => {
  const ns = `${run}-pod`;
  let sleeper: ChildProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), `${run}-`));
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    execFileSync('ip', ['-n', ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
    execFileSync('ip', ['-n', ns, 'addr', 'add', `${podIp}/24`, 'dev', 'eth0']);
    execFileSync('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    // The pod's "container": a process living in the netns, as on a node.
    sleeper = spawn('ip', ['netns', 'exec', ns, 'sleep', '120'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
  });

  afterAll(() => {
    sleeper?.kill('SIGKILL');
    try {
      execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
    } catch {
      // never created
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const locator = () =>
    procNetnsLocator({
      hostProc: '/proc',
      hostPrefix: '',
      ownNetnsInode: statSync('/proc/self/ns/net').ino,
      ops: { openNetns, netnsInode, closeFd },
      log: silentLog,
    });

  it('finds the netns holding the pod IP by scanning /proc, and not for an unknown IP', async () => {
    const found = await locator().byPodIps('t/p', [podIp]);
    try {
      expect(netnsInode(found.fd)).toBe(statSync(`/var/run/netns/${ns}`).ino);
      expect(statSync(found.path).ino).toBe(statSync(`/var/run/netns/${ns}`).ino);
    } finally {
      closeFd(found.fd);
    }
    await expect(locator().byPodIps('t/q', ['10.253.253.253'])).rejects.toBeInstanceOf(
      NetnsNotFoundError,
    );
  });

  it('applies the exact in-pod rules, hands the netns to ztunnel, and removes everything again', async () => {
    const redirector = new InpodRedirector({ runner: nsenterRunner() });
    const socketPath = path.join(dir, 'ztunnel.sock');
    const server = new ZdsServer({
      listen: seqpacketListener(socketPath, silentLog),
      closeFd,
      log: silentLog,
    });
    server.start();
    const ztunnel = await connectSeqpacket(socketPath);
    const inbox: { msg: zds.WorkloadRequest; fds: number[] }[] = [];
    ztunnel.on('message', (data, fds) => {
      inbox.push({ msg: fromBinary(zds.WorkloadRequestSchema, data), fds });
      void ztunnel.send(
        toBinary(
          zds.WorkloadResponseSchema,
          create(zds.WorkloadResponseSchema, { payload: { case: 'ack', value: { error: '' } } }),
        ),
      );
    });
    try {
      await ztunnel.send(
        toBinary(zds.ZdsHelloSchema, create(zds.ZdsHelloSchema, { version: zds.Version.V1 })),
      );
      await expect.poll(() => server.ztunnelReady).toBe(true);

      const pod = await locator().byPodIps('bookinfo/ratings', [podIp]);
      expect(await redirector.apply(pod.path, { dnsCapture: true })).toBe('created');
      const saved = iptablesSave(ns);
      expect(saved).toContain('-A OUTPUT -j ISTIO_OUTPUT');
      expect(saved).toMatch(
        /-A ISTIO_OUTPUT ! -d 127\.0\.0\.1\/32 -p tcp -m mark ! --mark 0x539\/0xfff -j REDIRECT --to-ports 15001/,
      );
      expect(saved).toMatch(
        /-A ISTIO_PRERT ! -d 127\.0\.0\.1\/32 -p tcp -m tcp ! --dport 15008 -m mark ! --mark 0x539\/0xfff -j REDIRECT --to-ports 15006/,
      );
      expect(execFileSync('ip', ['-n', ns, 'rule'], { encoding: 'utf8' })).toMatch(
        /32764:.*fwmark 0x111\/0xfff lookup 100/,
      );
      // idempotent: a second apply replaces, never duplicates (one jump each in mangle, nat, raw)
      expect(saved.match(/-A OUTPUT -j ISTIO_OUTPUT/g)).toHaveLength(3);
      expect(await redirector.apply(pod.path, { dnsCapture: true })).toBe('replaced');
      expect(iptablesSave(ns).match(/-A OUTPUT -j ISTIO_OUTPUT/g)).toHaveLength(3);

      const uid = asPodUid(`${run}-uid`);
      await server.add(
        uid,
        { name: 'ratings-v1', namespace: 'bookinfo', serviceAccount: 'bookinfo-ratings' },
        pod.fd,
      );
      const add = inbox.find((m) => m.msg.payload.case === 'add');
      expect(add?.fds).toHaveLength(1);
      expect(netnsInode(asNetnsFd(add!.fds[0]!))).toBe(statSync(`/var/run/netns/${ns}`).ino);
      closeFd(add!.fds[0]!);

      // take it out: rules through the fd the snapshot holds, then Del
      const held = server.netnsOf(uid);
      expect(held).toBe(pod.fd);
      await redirector.remove(locator().fromFd(held!).path);
      expect(iptablesSave(ns)).not.toContain('ISTIO_');
      expect(execFileSync('ip', ['-n', ns, 'rule'], { encoding: 'utf8' })).not.toContain(
        'lookup 100',
      );
      await server.del(uid);
      expect(inbox.at(-1)?.msg.payload.case).toBe('del');
      expect(server.netnsOf(uid)).toBeUndefined();
    } finally {
      ztunnel.close();
      server.close();
    }
  });
});
