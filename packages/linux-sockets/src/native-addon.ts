// Loads the C addon (native/*.c, built by node-gyp into build/Release) and
// describes its surface. The path is resolved relative to this module, which
// sits in src/ under tests and in dist/ at run time: both are one level below
// the package root.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NativeAddonMissingError, SyscallError, UnsupportedPlatformError } from './errors.js';

/** {address, port, family} as the addon reports socket addresses. */
export interface SocketAddress {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
}

/** Result of seqpacketRecv; see native/seqpacket.c. */
export type NativeRecvResult =
  | { readonly data: Buffer; readonly fds: number[] }
  | { readonly eof: true }
  | { readonly truncated: number; readonly length: number; readonly fdCount: number };

export type PollCallback = (status: number, events: number) => void;

/** A libuv uv_poll_t on a raw fd (native/poller.c). */
export interface NativePoller {
  start(events: number): void;
  stop(): void;
  ref(): void;
  unref(): void;
  close(): void;
}

export interface NativeAddon {
  openNetns(path: string): number;
  nsType(fd: number): number;
  closeFd(fd: number): void;
  inetBind(
    netns: number | null,
    family: 4 | 6,
    address: string,
    port: number,
    kind: number,
    backlog: number,
    flags: number,
    mark: number,
  ): number;
  tcpConnect(
    netns: number | null,
    family: 4 | 6,
    address: string,
    port: number,
    flags: number,
    mark: number,
    localAddress: string | null,
    localPort: number,
  ): [fd: number, pending: boolean];
  socketError(fd: number): number;
  localAddress(fd: number): SocketAddress;
  originalDst(fd: number): SocketAddress;
  setMark(fd: number, mark: number): void;
  getMark(fd: number): number;
  seqpacketListen(path: string, backlog: number): number;
  seqpacketAccept(fd: number): number;
  seqpacketConnect(path: string): number;
  seqpacketSend(fd: number, data: Uint8Array, fds: readonly number[]): boolean;
  seqpacketRecv(fd: number, maxBytes: number, maxFds: number): NativeRecvResult | null;
  Poller: new (fd: number, callback: PollCallback) => NativePoller;
}

/** libuv's uv_poll_event bits, as Poller.start takes them. */
export const POLL_READABLE = 1;
export const POLL_WRITABLE = 2;
export const POLL_DISCONNECT = 4;

/** Option bits of inetBind/tcpConnect (the OPT_* enum in native/inet.c). */
export const OPTION_BITS = {
  transparent: 1,
  reuseAddr: 2,
  reusePort: 4,
  freebind: 8,
  ipv6Only: 16,
  mark: 32,
} as const;

/** Socket kinds of inetBind (KIND_* in native/inet.c). */
export const KIND_TCP = 1;
export const KIND_UDP = 2;

const REQUIRED_FUNCTIONS = [
  'openNetns',
  'nsType',
  'closeFd',
  'inetBind',
  'tcpConnect',
  'socketError',
  'localAddress',
  'originalDst',
  'setMark',
  'getMark',
  'seqpacketListen',
  'seqpacketAccept',
  'seqpacketConnect',
  'seqpacketSend',
  'seqpacketRecv',
  'Poller',
] as const;

export const ADDON_PATH = fileURLToPath(
  new URL('../build/Release/linux_sockets.node', import.meta.url),
);

export interface AddonLoaderDeps {
  readonly platform: string;
  readonly addonPath: string;
  /** Loads a .node file (createRequire(...)). */
  readonly load: (path: string) => unknown;
}

/** Loads and checks the addon; throws UnsupportedPlatformError or NativeAddonMissingError. */
export function loadNativeAddon(deps: AddonLoaderDeps): NativeAddon {
  if (deps.platform !== 'linux') throw new UnsupportedPlatformError(deps.platform);
  let loaded: unknown;
  try {
    loaded = deps.load(deps.addonPath);
  } catch (error) {
    throw new NativeAddonMissingError(deps.addonPath, error);
  }
  const missing = REQUIRED_FUNCTIONS.filter(
    (name) => typeof (loaded as Record<string, unknown> | null)?.[name] !== 'function',
  );
  if (missing.length > 0) {
    throw new NativeAddonMissingError(
      deps.addonPath,
      new Error(`it lacks ${missing.join(', ')}: it was built from older sources`),
    );
  }
  return loaded as NativeAddon;
}

let cached: NativeAddon | undefined;

/** The addon, loaded on first use so that importing this package never fails. */
export function nativeAddon(): NativeAddon {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    cached = loadNativeAddon({
      platform: process.platform,
      addonPath: ADDON_PATH,
      load: (path) => require(path) as unknown,
    });
  }
  return cached;
}

/**
 * Turns the addon's errno errors (an Error with numeric `errno` and string
 * `syscall`) into SyscallError; anything else passes through unchanged.
 */
export function translateNativeError(error: unknown, context?: string): unknown {
  if (error instanceof Error && 'errno' in error && 'syscall' in error) {
    const { errno, syscall } = error;
    if (typeof errno === 'number' && typeof syscall === 'string') {
      return new SyscallError(errno, syscall, context);
    }
  }
  return error;
}

/** Runs fn against the addon, rethrowing its errors as typed ones. */
export function callNative<T>(context: string | undefined, fn: (addon: NativeAddon) => T): T {
  const addon = nativeAddon();
  try {
    return fn(addon);
  } catch (error) {
    throw translateNativeError(error, context);
  }
}
