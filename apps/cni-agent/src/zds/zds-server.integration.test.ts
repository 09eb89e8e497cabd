// As root, without Kubernetes: the ZDS server on a temp socket, a real SEQPACKET client
// standing in for ztunnel, and a real network namespace whose fd must arrive intact.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  asNetnsFd,
  closeFd,
  connectSeqpacket,
  netnsInode,
  openNetns,
  type SeqpacketSocket,
} from '@ambient-ts/linux-sockets';
import { zds } from '@ambient-ts/xds-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asPodUid } from '../brands.js';
import { silentLog } from '../log.js';
import { seqpacketListener } from './seqpacket-transport.js';
import { ZdsServer } from './zds-server.js';

const isRoot = process.getuid?.() === 0 && process.platform === 'linux';
const run = `zdsit-${process.pid}-${Date.now().toString(36)}`;

interface Received {
  readonly msg: zds.WorkloadRequest;
  readonly fds: number[];
}

/** A ztunnel stand-in: connects, says hello, queues what it receives. */
async function fakeZtunnel(socketPath: string) {
  const sock: SeqpacketSocket = await connectSeqpacket(socketPath);
  const inbox: Received[] = [];
  let wake: (() => void) | undefined;
  sock.on('message', (data, fds) => {
    inbox.push({ msg: fromBinary(zds.WorkloadRequestSchema, data), fds });
    wake?.();
  });
  await sock.send(
    toBinary(zds.ZdsHelloSchema, create(zds.ZdsHelloSchema, { version: zds.Version.V1 })),
  );
  return {
    sock,
    async next(): Promise<Received> {
      const deadline = Date.now() + 5_000;
      while (inbox.length === 0) {
        if (Date.now() > deadline) throw new Error('no ZDS message within 5 s');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 100);
        });
      }
      return inbox.shift()!;
    },
    ack: (error = '') =>
      sock.send(
        toBinary(
          zds.WorkloadResponseSchema,
          create(zds.WorkloadResponseSchema, { payload: { case: 'ack', value: { error } } }),
        ),
      ),
  };
}

describe.skipIf(!isRoot)('ZDS over a real SEQPACKET socket (root)', () => {
  let dir: string;
  let server: ZdsServer;
  const netnsName = `${run}-pod`;
  let socketPath: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), `${run}-`));
    socketPath = path.join(dir, 'ztunnel.sock');
    execFileSync('ip', ['netns', 'add', netnsName]);
    server = new ZdsServer({
      listen: seqpacketListener(socketPath, silentLog),
      closeFd,
      log: silentLog,
    });
    server.start();
  });

  afterAll(() => {
    server?.close();
    try {
      execFileSync('ip', ['netns', 'delete', netnsName], { stdio: 'ignore' });
    } catch {
      // not created
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands ztunnel the pod netns fd on Add, and replays it with snapshot_sent on reconnect', async () => {
    const podNetns = openNetns({ path: `/var/run/netns/${netnsName}` });
    const expectedInode = netnsInode(podNetns);
    const uid = asPodUid(`${run}-uid`);
    const identity = {
      name: 'productpage-v1-1',
      namespace: 'bookinfo',
      serviceAccount: 'bookinfo-productpage',
    };

    const z1 = await fakeZtunnel(socketPath);
    const snap = await z1.next();
    expect(snap.msg.payload.case).toBe('snapshotSent');
    await z1.ack();
    await expect.poll(() => server.ztunnelReady).toBe(true);

    const added = server.add(uid, identity, podNetns);
    const add = await z1.next();
    expect(add.msg.payload.case).toBe('add');
    expect(add.msg.payload.value).toMatchObject({ uid, workloadInfo: identity });
    expect(add.fds).toHaveLength(1);
    const received = asNetnsFd(add.fds[0]!);
    expect(netnsInode(received)).toBe(expectedInode);
    closeFd(received);
    await z1.ack();
    await added;

    z1.sock.close();
    await expect.poll(() => server.ztunnelReady).toBe(false);

    const z2 = await fakeZtunnel(socketPath);
    const replay = await z2.next();
    expect(replay.msg.payload.case).toBe('add');
    expect(replay.fds).toHaveLength(1);
    expect(netnsInode(asNetnsFd(replay.fds[0]!))).toBe(expectedInode);
    closeFd(replay.fds[0]!);
    await z2.ack();
    const sent = await z2.next();
    expect(sent.msg.payload.case).toBe('snapshotSent');
    expect(sent.fds).toEqual([]);
    await z2.ack();
    await expect.poll(() => server.ztunnelReady).toBe(true);

    const deleted = server.del(uid);
    const del = await z2.next();
    expect(del.msg.payload).toMatchObject({ case: 'del', value: { uid } });
    await z2.ack();
    await deleted;
    z2.sock.close();
  });

  it('a NACK from the real peer rejects the add with its reason', async () => {
    const podNetns = openNetns({ path: `/var/run/netns/${netnsName}` });
    const z = await fakeZtunnel(socketPath);
    // any earlier pods were deleted: the snapshot is empty
    expect((await z.next()).msg.payload.case).toBe('snapshotSent');
    await z.ack();
    await expect.poll(() => server.ztunnelReady).toBe(true);
    const added = server.add(
      asPodUid(`${run}-uid2`),
      { name: 'a', namespace: 'b', serviceAccount: 'c' },
      podNetns,
    );
    const add = await z.next();
    for (const fd of add.fds) closeFd(fd);
    await z.ack('failure to start proxy : test');
    await expect(added).rejects.toThrow(/failure to start proxy : test/);
    z.sock.close();
  });
});
