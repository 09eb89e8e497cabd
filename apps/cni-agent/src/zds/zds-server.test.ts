import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { zds } from '@ambient-ts/xds-types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { asPodUid } from '../brands.js';
import {
  NoZtunnelConnectionError,
  ZdsConnectionLostError,
  ZtunnelAckTimeoutError,
  ZtunnelNackError,
} from '../errors.js';
import { silentLog } from '../log.js';
import type { ZdsConnection } from './zds-connection.js';
import { ZdsServer } from './zds-server.js';

/** ztunnel's end of an in-memory connection. */
class FakeZtunnel implements ZdsConnection {
  readonly received: { msg: zds.WorkloadRequest; fds: readonly number[] }[] = [];
  closed = false;
  #onMessage: ((d: Uint8Array, fds: readonly number[]) => void) | undefined;
  #onClose: ((e: Error | undefined) => void) | undefined;

  send(data: Uint8Array, fds: readonly number[]): Promise<void> {
    this.received.push({ msg: fromBinary(zds.WorkloadRequestSchema, data), fds: [...fds] });
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
  onMessage(h: (d: Uint8Array, fds: readonly number[]) => void): void {
    this.#onMessage = h;
  }
  onClose(h: (e: Error | undefined) => void): void {
    this.#onClose = h;
  }
  hello(version = zds.Version.V1): void {
    this.#onMessage?.(toBinary(zds.ZdsHelloSchema, create(zds.ZdsHelloSchema, { version })), []);
  }
  ack(error = '', fds: number[] = []): void {
    const r = create(zds.WorkloadResponseSchema, {
      payload: { case: 'ack', value: create(zds.AckSchema, { error }) },
    });
    this.#onMessage?.(toBinary(zds.WorkloadResponseSchema, r), fds);
  }
  hangUp(): void {
    this.#onClose?.(undefined);
  }
  /** Acks everything received so far that is not yet acked, one at a time as the agent sends them. */
  async ackAll(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      await flush();
      if (this.received.length <= this.#acked) return;
      this.#acked++;
      this.ack();
    }
  }
  #acked = 0;
  markAcked(n: number): void {
    this.#acked = n;
  }
  kinds(): string[] {
    return this.received.map((r) => {
      const p = r.msg.payload;
      switch (p.case) {
        case 'add':
          return `add ${p.value.uid} fds=${r.fds.join(',')}`;
        case 'keep':
          return `keep ${p.value.uid}`;
        case 'del':
          return `del ${p.value.uid}`;
        case 'snapshotSent':
          return 'snapshot_sent';
        default:
          return 'unknown';
      }
    });
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

const info = (name: string) => ({
  name,
  namespace: 'bookinfo',
  serviceAccount: `bookinfo-${name}`,
});
const A = asPodUid('uid-a');
const B = asPodUid('uid-b');

describe('ZDS server', () => {
  let connect: (c: ZdsConnection) => void;
  let closedFds: number[];
  let server: ZdsServer;
  let listenerClosed: boolean;

  beforeEach(() => {
    closedFds = [];
    listenerClosed = false;
    server = new ZdsServer({
      listen: (onConn) => {
        connect = onConn;
        return { close: () => (listenerClosed = true) };
      },
      closeFd: (fd) => closedFds.push(fd),
      log: silentLog,
      ackTimeoutMs: 5_000,
      helloTimeoutMs: 5_000,
    });
    server.start();
  });
  afterEach(() => {
    server.close();
    vi.useRealTimers();
  });

  const ztunnel = (): FakeZtunnel => {
    const z = new FakeZtunnel();
    connect(z);
    return z;
  };

  it('without ztunnel an add is refused as "no ztunnel connection" but kept for the next snapshot', async () => {
    await expect(server.add(A, info('a'), 10)).rejects.toBeInstanceOf(NoZtunnelConnectionError);
    const z = ztunnel();
    z.hello();
    await z.ackAll();
    expect(z.kinds()).toEqual(['add uid-a fds=10', 'snapshot_sent']);
    const add = z.received[0]!.msg.payload;
    expect(add.case === 'add' && add.value.workloadInfo).toMatchObject(info('a'));
    expect(server.ztunnelReady).toBe(true);
  });

  it('replays every known pod (Add with its fd, Keep without) then snapshot_sent, one ack at a time', async () => {
    await server.add(A, info('a'), 10).catch(() => undefined);
    server.keep(B, info('b'));
    const synced = vi.fn();
    server.on('synced', synced);
    const z = ztunnel();
    expect(z.received).toHaveLength(0); // nothing before hello
    z.hello();
    await flush();
    expect(z.kinds()).toEqual(['add uid-a fds=10']); // waits for the ack before the next
    z.ack();
    await flush();
    expect(z.kinds()).toEqual(['add uid-a fds=10', 'keep uid-b']);
    z.ack();
    await flush();
    expect(z.kinds().at(-1)).toBe('snapshot_sent');
    expect(synced).not.toHaveBeenCalled();
    z.ack();
    await flush();
    expect(synced).toHaveBeenCalledTimes(1);
  });

  it('after the snapshot an add goes out with its fd and resolves on the ack', async () => {
    const z = ztunnel();
    z.hello();
    await z.ackAll();
    expect(z.kinds()).toEqual(['snapshot_sent']);
    z.markAcked(1);
    const added = server.add(A, info('a'), 11);
    await flush();
    expect(z.kinds()).toEqual(['snapshot_sent', 'add uid-a fds=11']);
    z.ack();
    await expect(added).resolves.toBeUndefined();
    // a second add of the same pod and netns is not sent again
    await server.resend(A);
    expect(z.received).toHaveLength(2);
  });

  it("a NACK rejects the add with ztunnel's reason and keeps the connection", async () => {
    const z = ztunnel();
    z.hello();
    await z.ackAll();
    const added = server.add(A, info('a'), 12);
    await flush();
    z.ack('failure to start proxy : address in use');
    await expect(added).rejects.toThrow(ZtunnelNackError);
    await expect(added).rejects.toThrow(/failure to start proxy/);
    expect(z.closed).toBe(false);
    expect(server.ztunnelReady).toBe(true);
  });

  it('del removes the pod from the snapshot, tells ztunnel and closes the fd', async () => {
    const z = ztunnel();
    z.hello();
    await z.ackAll();
    z.markAcked(1);
    const added = server.add(A, info('a'), 13);
    await z.ackAll();
    await added;
    const deleted = server.del(A);
    await z.ackAll();
    await deleted;
    expect(z.kinds()).toEqual(['snapshot_sent', 'add uid-a fds=13', 'del uid-a']);
    const del = z.received[2]!;
    expect(del.fds).toEqual([]);
    expect(closedFds).toEqual([13]);
    // the next ztunnel does not hear of it
    const z2 = ztunnel();
    z2.hello();
    await z2.ackAll();
    expect(z2.kinds()).toEqual(['snapshot_sent']);
  });

  it('a reconnect replays the snapshot again (ztunnel drops whatever is not replayed)', async () => {
    await server.add(A, info('a'), 10).catch(() => undefined);
    await server.add(B, info('b'), 20).catch(() => undefined);
    const z1 = ztunnel();
    z1.hello();
    await z1.ackAll();
    z1.hangUp();
    expect(server.ztunnelReady).toBe(false);
    await expect(server.add(asPodUid('uid-c'), info('c'), 30)).rejects.toBeInstanceOf(
      NoZtunnelConnectionError,
    );
    const z2 = ztunnel();
    z2.hello();
    await z2.ackAll();
    expect(z2.kinds()).toEqual([
      'add uid-a fds=10',
      'add uid-b fds=20',
      'add uid-c fds=30',
      'snapshot_sent',
    ]);
  });

  it('the newest ztunnel gets the updates; the older connection stays open and untouched', async () => {
    const old = ztunnel();
    old.hello();
    await old.ackAll();
    const young = ztunnel();
    young.hello();
    await young.ackAll();
    young.markAcked(1);
    const added = server.add(A, info('a'), 14);
    await young.ackAll();
    await added;
    expect(old.kinds()).toEqual(['snapshot_sent']);
    expect(old.closed).toBe(false);
    expect(young.kinds()).toEqual(['snapshot_sent', 'add uid-a fds=14']);
    // the old one going away does not disturb the active one
    old.hangUp();
    expect(server.ztunnelReady).toBe(true);
  });

  it('an add issued during the replay of the same pod is not sent twice', async () => {
    await server.add(A, info('a'), 10).catch(() => undefined);
    const z = ztunnel();
    z.hello();
    const again = server.resend(A);
    await z.ackAll();
    await again;
    expect(z.kinds()).toEqual(['add uid-a fds=10', 'snapshot_sent']);
  });

  it('a missing ack times out, rejects, drops the connection and fails the queue', async () => {
    vi.useFakeTimers();
    const z = ztunnel();
    z.hello();
    await z.ackAll();
    const first = server.add(A, info('a'), 15);
    const second = server.add(B, info('b'), 16);
    const firstResult = first.catch((e: unknown) => e);
    const secondResult = second.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_001);
    expect(await firstResult).toBeInstanceOf(ZtunnelAckTimeoutError);
    expect(await secondResult).toBeInstanceOf(ZdsConnectionLostError);
    expect(z.closed).toBe(true);
    expect(server.ztunnelReady).toBe(false);
    // both pods are still in the snapshot for the reconnect
    expect(server.podCount).toBe(2);
  });

  it('a ztunnel that never says hello is dropped and receives nothing', async () => {
    vi.useFakeTimers();
    const z = ztunnel();
    await vi.advanceTimersByTimeAsync(5_001);
    expect(z.closed).toBe(true);
    expect(z.received).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  it('a hello with another version, or an unsolicited ack, drops the connection', async () => {
    const z = ztunnel();
    z.hello(zds.Version.NOT_USED);
    expect(z.closed).toBe(true);
    const z2 = ztunnel();
    z2.hello();
    await z2.ackAll();
    z2.ack();
    expect(z2.closed).toBe(true);
  });

  it('fds ztunnel sends are closed, never leaked', async () => {
    const z = ztunnel();
    z.hello();
    await flush();
    z.ack('', [77, 78]);
    expect(closedFds).toEqual([77, 78]);
  });

  it('a replaced netns closes the old fd only after a queued send that uses it is done', async () => {
    await server.add(A, info('a'), 10).catch(() => undefined);
    const z = ztunnel();
    z.hello(); // replay of fd 10 in flight
    await flush();
    const replaced = server.add(A, info('a'), 11);
    await flush();
    expect(closedFds).toEqual([]); // still in flight
    await z.ackAll();
    await replaced;
    expect(closedFds).toEqual([10]);
    expect(z.kinds()).toEqual(['add uid-a fds=10', 'snapshot_sent', 'add uid-a fds=11']);
  });

  it('close stops listening, ends connections and closes every fd it holds', async () => {
    await server.add(A, info('a'), 10).catch(() => undefined);
    const z = ztunnel();
    z.hello();
    await z.ackAll();
    server.close();
    expect(listenerClosed).toBe(true);
    expect(z.closed).toBe(true);
    expect(closedFds).toEqual([10]);
  });
});
