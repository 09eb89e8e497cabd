import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { expectInstance, rejectionOf } from '../test/expect-instance.js';
import {
  closeFd,
  connectSeqpacket,
  listenSeqpacket,
  SeqpacketTruncatedError,
  SocketClosedError,
  SyscallError,
  type SeqpacketServer,
  type SeqpacketSocket,
  type SeqpacketSocketOptions,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'lsk-seqpacket-'));
let counter = 0;
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function socketPath(): string {
  return join(dir, `s${counter++}.sock`);
}

interface Pair {
  server: SeqpacketServer;
  client: SeqpacketSocket;
  accepted: SeqpacketSocket;
}

async function pair(
  options: SeqpacketSocketOptions = {},
  clientOptions: SeqpacketSocketOptions = {},
): Promise<Pair> {
  const server = listenSeqpacket(socketPath(), options);
  const connection = once(server, 'connection') as Promise<[SeqpacketSocket]>;
  const client = await connectSeqpacket(server.path, clientOptions);
  const [accepted] = await connection;
  cleanups.push(() => {
    client.close();
    accepted.close();
    server.close();
  });
  return { server, client, accepted };
}

function nextMessage(socket: SeqpacketSocket): Promise<[Buffer, number[]]> {
  return once(socket, 'message') as Promise<[Buffer, number[]]>;
}

function collect(socket: SeqpacketSocket, count: number): Promise<[Buffer, number[]][]> {
  const messages: [Buffer, number[]][] = [];
  return new Promise((resolve) => {
    socket.on('message', (data, fds) => {
      messages.push([data, fds]);
      if (messages.length === count) resolve(messages);
    });
  });
}

/** How many of this process's fds refer to `path`. */
function openCount(path: string): number {
  let count = 0;
  for (const entry of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${entry}`) === path) count++;
    } catch {
      // fd closed while we listed
    }
  }
  return count;
}

function isCloexec(fd: number): boolean {
  const flags = /flags:\s+([0-7]+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
  return flags !== undefined && (parseInt(flags, 8) & 0o2000000) !== 0;
}

function tempFile(content = ''): string {
  const path = join(dir, `f${counter++}`);
  writeFileSync(path, content);
  return path;
}

describe.runIf(process.platform === 'linux')('SEQPACKET sockets', () => {
  it('keep message boundaries in both directions', async () => {
    const { client, accepted } = await pair();
    const received = collect(accepted, 3);
    await Promise.all([
      client.send(Buffer.from('a')),
      client.send(Buffer.from('bb')),
      client.send(Buffer.from('ccc')),
    ]);
    expect((await received).map(([data]) => data.toString())).toEqual(['a', 'bb', 'ccc']);
    const reply = nextMessage(client);
    await accepted.send(new Uint8Array([0x1a, 0x00]));
    expect([...(await reply)[0]]).toEqual([0x1a, 0x00]);
  });

  it('carry a 128 KiB message whole when the limits allow it', async () => {
    const { client, accepted } = await pair({ maxMessageBytes: 256 * 1024 });
    const big = Buffer.alloc(128 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const message = nextMessage(accepted);
    await client.send(big);
    const [data, fds] = await message;
    expect(data.equals(big)).toBe(true);
    expect(fds).toEqual([]);
  });

  it('reject a message larger than the send buffer with EMSGSIZE and keep the connection', async () => {
    const { client, accepted } = await pair();
    const error = expectInstance(
      await rejectionOf(client.send(Buffer.alloc(4 * 1024 * 1024))),
      SyscallError,
    );
    expect(error.code).toBe('EMSGSIZE');
    expect(error.message).toContain('SO_SNDBUF');
    const message = nextMessage(accepted);
    await client.send(Buffer.from('still here'));
    expect((await message)[0].toString()).toBe('still here');
    expect(client.closed).toBe(false);
  });

  it('pass fds: the receiver gets new CLOEXEC fds for the same open file', async () => {
    const { client, accepted } = await pair();
    const path = tempFile('before\n');
    const fd = openSync(path, 'r+');
    cleanups.push(() => {
      closeSync(fd);
    });
    const message = nextMessage(accepted);
    await client.send(Buffer.from('here'), [fd]);
    const [, fds] = await message;
    expect(fds).toHaveLength(1);
    const received = fds[0]!;
    expect(received).not.toBe(fd);
    expect(fstatSync(received).ino).toBe(fstatSync(fd).ino);
    expect(isCloexec(received)).toBe(true);
    // The same open file description: writing through one is seen through the path.
    writeSync(received, 'after!\n', 0);
    expect(readFileSync(path, 'utf8')).toBe('after!\n');
    closeFd(received);
  });

  it('pass 253 fds (SCM_MAX_FD) in one message', async () => {
    const { client, accepted } = await pair();
    const path = tempFile();
    const sent = Array.from({ length: 253 }, () => openSync(path, 'r'));
    cleanups.push(() => {
      for (const fd of sent) closeSync(fd);
    });
    const message = nextMessage(accepted);
    await client.send(Buffer.from('many'), sent);
    const [data, fds] = await message;
    expect(data.toString()).toBe('many');
    expect(fds).toHaveLength(253);
    expect(new Set(fds).size).toBe(253);
    expect(openCount(path)).toBe(2 * 253);
    for (const fd of fds) closeFd(fd);
    expect(openCount(path)).toBe(253);
  });

  it('turn an oversized message into SeqpacketTruncatedError, close its fds and the socket', async () => {
    const { client, accepted } = await pair({ maxMessageBytes: 1024 });
    const path = tempFile();
    const sent = [openSync(path, 'r'), openSync(path, 'r'), openSync(path, 'r')];
    cleanups.push(() => {
      for (const fd of sent) closeSync(fd);
    });
    const failed = once(accepted, 'error') as Promise<[Error]>;
    const closed = new Promise<void>((resolve) => {
      accepted.once('close', () => {
        resolve();
      });
    });
    await client.send(Buffer.alloc(2000, 1), sent);
    const [error] = await failed;
    await closed;
    const truncated = expectInstance(error, SeqpacketTruncatedError);
    expect(truncated.messageBytes).toBe(2000);
    expect(truncated.fdsTruncated).toBe(false);
    expect(openCount(path)).toBe(3); // only the sender's own
    await once(client, 'close'); // the peer sees the hangup
  });

  it('turn more fds than allowed into SeqpacketTruncatedError (MSG_CTRUNC) without leaking any', async () => {
    const { client, accepted } = await pair({ maxFdsPerMessage: 1 });
    const path = tempFile();
    const sent = [openSync(path, 'r'), openSync(path, 'r'), openSync(path, 'r')];
    cleanups.push(() => {
      for (const fd of sent) closeSync(fd);
    });
    const failed = once(accepted, 'error') as Promise<[Error]>;
    await client.send(Buffer.from('add'), sent);
    const [error] = await failed;
    expect(expectInstance(error, SeqpacketTruncatedError).fdsTruncated).toBe(true);
    expect(openCount(path)).toBe(3);
  });

  it('close the fds of a message nobody listens for', async () => {
    const { client, accepted } = await pair();
    const path = tempFile();
    const fd = openSync(path, 'r');
    cleanups.push(() => {
      closeSync(fd);
    });
    await client.send(Buffer.from('unheard'), [fd, fd]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Messages arrive in order: if 'unheard' were still queued, this listener would get it.
    const second = nextMessage(accepted);
    await client.send(Buffer.from('heard'));
    expect((await second)[0].toString()).toBe('heard');
    expect(openCount(path)).toBe(1);
  });

  it('report a peer close as close without error, and refuse later sends', async () => {
    const { client, accepted } = await pair();
    let errored = false;
    accepted.on('error', () => (errored = true));
    const closed = once(accepted, 'close');
    client.close();
    await closed;
    expect(errored).toBe(false);
    expect(accepted.closed).toBe(true);
    await expect(accepted.send(Buffer.from('x'))).rejects.toBeInstanceOf(SocketClosedError);
    await expect(client.send(Buffer.from('x'))).rejects.toBeInstanceOf(SocketClosedError);
  });

  it('reject a send to a peer that is gone with EPIPE and close', async () => {
    const { client, accepted } = await pair();
    accepted.close();
    const closed = once(client, 'close');
    const error = expectInstance(
      await rejectionOf(client.send(Buffer.from('anyone?'))),
      SyscallError,
    );
    expect(error.code).toBe('EPIPE');
    await closed;
  });

  it('queue sends without blocking while the peer does not read, then deliver all in order', async () => {
    const { client, accepted } = await pair();
    accepted.pause();
    const chunk = 8 * 1024;
    const count = 600; // ~4.8 MiB: far beyond what the kernel buffers for an unread peer
    const sends = Array.from({ length: count }, (_, i) => {
      const data = Buffer.alloc(chunk, i & 0xff);
      data.writeUInt32BE(i, 0);
      return client.send(data);
    });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(client.pendingSends).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(5); // the loop kept running while sends waited
    const received = collect(accepted, count);
    accepted.resume();
    await Promise.all(sends);
    clearInterval(timer);
    const messages = await received;
    expect(messages.map(([data]) => data.readUInt32BE(0))).toEqual(
      Array.from({ length: count }, (_, i) => i),
    );
    expect(client.pendingSends).toBe(0);
  });

  it('reject pending sends with SocketClosedError when closed locally', async () => {
    const { client, accepted } = await pair();
    accepted.pause();
    const sends = Array.from({ length: 600 }, () => client.send(Buffer.alloc(8 * 1024)));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(client.pendingSends).toBeGreaterThan(0);
    client.close();
    const results = await Promise.allSettled(sends);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    for (const r of rejected) expect(r.reason).toBeInstanceOf(SocketClosedError);
  });

  it('close connections nobody takes', async () => {
    const server = listenSeqpacket(socketPath());
    cleanups.push(() => {
      server.close();
    });
    const client = await connectSeqpacket(server.path);
    await once(client, 'close');
  });
});

describe.runIf(process.platform === 'linux')('SEQPACKET servers', () => {
  it('remove their socket file on close', async () => {
    const server = listenSeqpacket(socketPath());
    expect(readdirSync(dir)).toContain(server.path.split('/').pop());
    const closed = once(server, 'close');
    server.close();
    await closed;
    expect(readdirSync(dir)).not.toContain(server.path.split('/').pop());
    server.close(); // idempotent
  });

  it('refuse a path in use unless told to replace a stale socket, never a regular file', async () => {
    const path = socketPath();
    const first = listenSeqpacket(path);
    let error: unknown;
    try {
      listenSeqpacket(path);
    } catch (e) {
      error = e;
    }
    expect(expectInstance(error, SyscallError).code).toBe('EADDRINUSE');
    // A server that died without cleaning up leaves a stale socket file.
    first.unref();
    const replacement = listenSeqpacket(path, { replaceExisting: true });
    cleanups.push(() => {
      first.close();
      replacement.close();
    });
    const accepted = once(replacement, 'connection') as Promise<[SeqpacketSocket]>;
    const client = await connectSeqpacket(path);
    cleanups.push(() => {
      client.close();
    });
    const [socket] = await accepted;
    socket.close();

    const regular = tempFile('keep me');
    expect(() => listenSeqpacket(regular, { replaceExisting: true })).toThrow(SyscallError);
    expect(readFileSync(regular, 'utf8')).toBe('keep me');
  });

  it('make clients fail with typed errors when nobody listens', async () => {
    const missing = expectInstance(
      await rejectionOf(connectSeqpacket(join(dir, 'missing.sock'))),
      SyscallError,
    );
    expect(missing.code).toBe('ENOENT');
    expect(missing.message).toContain('is its server');

    // A socket file whose server is gone (moved away, then closed).
    const server = listenSeqpacket(socketPath());
    const stale = join(dir, 'stale.sock');
    renameSync(server.path, stale);
    server.close();
    const refused = expectInstance(await rejectionOf(connectSeqpacket(stale)), SyscallError);
    expect(refused.code).toBe('ECONNREFUSED');
  });

  it('keep the process alive only while referenced', async () => {
    const fixture = fileURLToPath(new URL('../test/fixtures/idle-seqpacket.ts', import.meta.url));
    const run = (mode: 'ref' | 'unref') => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, socketPath(), mode], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const exited = once(child, 'exit') as Promise<[number | null]>;
      return { child, exited };
    };
    const unref = run('unref');
    const [code] = await unref.exited;
    expect(code).toBe(0);

    const ref = run('ref');
    let output = '';
    ref.child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(output).toBe('ready\n');
    expect(ref.child.exitCode).toBeNull(); // still running: the open sockets hold the loop
    ref.child.kill('SIGTERM');
    await ref.exited;
  });
});
