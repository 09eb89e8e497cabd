// Pretends to be macOS: every function that needs the addon must fail with
// UnsupportedPlatformError before doing anything. Runs in its own process
// (vitest forks pool), so changing process.platform affects only this file.
import type { Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from './index.js';

const realPlatform = Object.getOwnPropertyDescriptor(process, 'platform');
beforeAll(() => {
  Object.defineProperty(process, 'platform', { value: 'darwin' });
});
afterAll(() => {
  if (realPlatform !== undefined) Object.defineProperty(process, 'platform', realPlatform);
});

const fd = 3 as api.NetnsFd;
const calls: Record<string, () => unknown> = {
  openNetns: () => api.openNetns({ path: '/var/run/netns/x' }),
  asNetnsFd: () => api.asNetnsFd(3),
  netnsInode: () => api.netnsInode(fd),
  closeFd: () => {
    api.closeFd(3);
  },
  listenTcpInNetns: () => api.listenTcpInNetns(fd, { host: '0.0.0.0', port: 15001 }),
  bindUdpInNetns: () => api.bindUdpInNetns(null, { host: '127.0.0.1', port: 15053 }),
  connectTcpInNetns: () => api.connectTcpInNetns(fd, { host: '10.0.0.2', port: 80 }),
  localAddressOf: () => api.localAddressOf(3),
  getOriginalDst: () => api.getOriginalDst(3),
  setMark: () => {
    api.setMark(3, 0x539);
  },
  getMark: () => api.getMark(3),
  listenSeqpacket: () => api.listenSeqpacket('/tmp/zds.sock'),
  connectSeqpacket: () => api.connectSeqpacket('/tmp/zds.sock'),
  SeqpacketSocket: () => new api.SeqpacketSocket(3),
  SeqpacketServer: () => new api.SeqpacketServer(3, '/tmp/zds.sock', {}),
};

describe('on a platform other than Linux', () => {
  it.each(Object.entries(calls))('%s fails with UnsupportedPlatformError', async (_name, call) => {
    let error: unknown;
    try {
      await call();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(api.UnsupportedPlatformError);
    expect((error as Error).message).toContain('this is darwin');
  });

  it('covers every exported function except the pure helpers', () => {
    const pureHelpers = new Set(['netnsPath', 'socketFd']);
    const exportedFunctions = Object.entries(api)
      .filter(([name, value]) => typeof value === 'function' && !name.endsWith('Error'))
      .map(([name]) => name)
      .filter((name) => !pureHelpers.has(name));
    expect(Object.keys(calls).sort()).toEqual(exportedFunctions.sort());
  });

  it('still validates arguments first and still offers the pure helpers', () => {
    expect(() => api.listenTcpInNetns(null, { host: 'localhost', port: 1 })).toThrow(
      api.InvalidArgumentError,
    );
    expect(api.netnsPath({ pid: 42 })).toBe('/proc/42/ns/net');
    expect(() => api.socketFd({ _handle: null } as unknown as Server)).toThrow(
      api.InvalidArgumentError,
    );
  });
});
