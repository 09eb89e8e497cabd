// Argument checks done before any syscall, so a wrong value becomes an
// InvalidArgumentError naming the argument instead of an obscure errno (or a
// TypeError from the addon). Pure functions.
import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors.js';

/** Most fds one SCM_RIGHTS message can carry (SCM_MAX_FD in the kernel). */
export const SCM_MAX_FD = 253;
/** sun_path holds 108 bytes including the terminating NUL. */
export const UNIX_PATH_MAX_BYTES = 107;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

export function requireFd(value: unknown, argument = 'fd'): number {
  if (!isInteger(value) || value < 0 || value > INT32_MAX) {
    throw new InvalidArgumentError(
      argument,
      `expected an open file descriptor (integer >= 0), got ${describe(value)}`,
    );
  }
  return value;
}

export function requirePort(value: unknown, argument = 'port'): number {
  if (!isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidArgumentError(
      argument,
      `expected an integer port 0-65535, got ${describe(value)}`,
    );
  }
  return value;
}

/** A non-zero port, for destinations. */
export function requireDestinationPort(value: unknown, argument = 'port'): number {
  const port = requirePort(value, argument);
  if (port === 0) throw new InvalidArgumentError(argument, 'cannot connect to port 0');
  return port;
}

export function requireMark(value: unknown, argument = 'mark'): number {
  if (!isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new InvalidArgumentError(
      argument,
      `expected a 32-bit unsigned packet mark (e.g. 0x539), got ${describe(value)}`,
    );
  }
  return value;
}

export function requireIntInRange(
  value: unknown,
  argument: string,
  min: number,
  max: number,
): number {
  if (!isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      argument,
      `expected an integer ${min}-${max}, got ${describe(value)}`,
    );
  }
  return value;
}

export function requireOptionalBoolean(value: unknown, argument: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(argument, `expected a boolean, got ${describe(value)}`);
  }
  return value;
}

export interface IpAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** An IPv4 or IPv6 literal. Names are refused: resolving them is not this package's job. */
export function requireIpAddress(value: unknown, argument: string): IpAddress {
  if (typeof value !== 'string') {
    throw new InvalidArgumentError(
      argument,
      `expected an IP address string, got ${describe(value)}`,
    );
  }
  if (value.includes('%')) {
    throw new InvalidArgumentError(argument, `IPv6 zone ids are not supported ("${value}")`);
  }
  const family = isIP(value);
  if (family !== 4 && family !== 6) {
    throw new InvalidArgumentError(
      argument,
      `"${value}" is not an IPv4 or IPv6 literal; resolve host names before calling`,
    );
  }
  return { address: value, family };
}

export function requireUnixPath(value: unknown, argument = 'path'): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidArgumentError(
      argument,
      `expected a non-empty unix socket path, got ${describe(value)}`,
    );
  }
  if (value.includes('\0')) {
    throw new InvalidArgumentError(
      argument,
      'abstract or NUL-containing unix socket paths are not supported',
    );
  }
  const bytes = Buffer.byteLength(value);
  if (bytes > UNIX_PATH_MAX_BYTES) {
    throw new InvalidArgumentError(
      argument,
      `unix socket paths hold at most ${UNIX_PATH_MAX_BYTES} bytes, "${value}" has ${bytes}`,
    );
  }
  return value;
}

/** A list of fds for one SCM_RIGHTS message. */
export function requireFdList(value: unknown, argument = 'fds'): readonly number[] {
  if (!Array.isArray(value)) {
    throw new InvalidArgumentError(
      argument,
      `expected an array of file descriptors, got ${describe(value)}`,
    );
  }
  if (value.length > SCM_MAX_FD) {
    throw new InvalidArgumentError(
      argument,
      `one message carries at most ${SCM_MAX_FD} fds, got ${value.length}`,
    );
  }
  value.forEach((fd, i) => requireFd(fd, `${argument}[${i}]`));
  return value as readonly number[];
}

/** One SEQPACKET message body: bytes, at least one (a zero-length message reads like a hangup). */
export function requireMessage(value: unknown, argument = 'data'): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      argument,
      `expected a Uint8Array or Buffer, got ${describe(value)}`,
    );
  }
  if (value.byteLength === 0) {
    throw new InvalidArgumentError(
      argument,
      'empty messages cannot be told apart from a hangup on SOCK_SEQPACKET; send at least one byte',
    );
  }
  return value;
}

export function requireTimeoutMs(value: unknown, argument = 'timeoutMs'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > INT32_MAX) {
    throw new InvalidArgumentError(
      argument,
      `expected a positive number of milliseconds, got ${describe(value)}`,
    );
  }
  return value;
}

export function requirePid(value: unknown, argument = 'pid'): number {
  if (!isInteger(value) || value <= 0 || value > INT32_MAX) {
    throw new InvalidArgumentError(
      argument,
      `expected a process id (integer > 0), got ${describe(value)}`,
    );
  }
  return value;
}

export function requireNonEmptyString(value: unknown, argument: string): string {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) {
    throw new InvalidArgumentError(
      argument,
      `expected a non-empty string without NUL, got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? Object.prototype.toString.call(value) : typeof value;
}
