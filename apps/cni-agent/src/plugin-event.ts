// The CNI plugin → agent event (POST /cmdadd on /var/run/istio-cni/pluginevent.sock), in
// upstream's JSON shape: Go's encoding of CNIPluginAddEvent{Netns, PodName, PodNamespace,
// IPs []IPConfig{Interface *int, Address net.IPNet{IP, Mask []byte→base64}, Gateway net.IP}}.
import { isIP } from 'node:net';
import { PluginEventError } from './errors.js';

export const PLUGIN_EVENT_SOCKET_NAME = 'pluginevent.sock';
export const CMD_ADD_PATH = '/cmdadd';

export interface PodIpConfig {
  /** Index into the result's interfaces, when the result says. */
  readonly interface?: number;
  /** Address without prefix length. */
  readonly ip: string;
  readonly prefixLength: number;
  readonly gateway?: string;
}

export interface CmdAddEvent {
  readonly netns: string;
  readonly podName: string;
  readonly podNamespace: string;
  readonly ips: readonly PodIpConfig[];
}

interface WireIpConfig {
  Interface: number | null;
  Address: { IP: string; Mask: string };
  Gateway: string | null;
}

interface WireEvent {
  Netns: string;
  PodName: string;
  PodNamespace: string;
  IPs: WireIpConfig[];
}

function maskBytes(prefixLength: number, family: 4 | 6): Buffer {
  const bytes = Buffer.alloc(family === 4 ? 4 : 16);
  for (let i = 0; i < prefixLength; i++) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (0x80 >> (i & 7));
  return bytes;
}

function prefixOf(mask: Buffer): number {
  let n = 0;
  for (const b of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((b & (1 << bit)) === 0) return n;
      n++;
    }
  }
  return n;
}

export function encodeCmdAddEvent(e: CmdAddEvent): string {
  const wire: WireEvent = {
    Netns: e.netns,
    PodName: e.podName,
    PodNamespace: e.podNamespace,
    IPs: e.ips.map((ip) => {
      const family = isIP(ip.ip) === 6 ? 6 : 4;
      return {
        Interface: ip.interface ?? null,
        Address: { IP: ip.ip, Mask: maskBytes(ip.prefixLength, family).toString('base64') },
        Gateway: ip.gateway ?? null,
      };
    }),
  };
  return JSON.stringify(wire);
}

export function decodeCmdAddEvent(body: string): CmdAddEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new PluginEventError(
      'plugin event is not JSON: is the istio-cni plugin binary ours and current?',
    );
  }
  const o = raw as Partial<WireEvent> | null;
  if (typeof o !== 'object' || o === null)
    throw new PluginEventError('plugin event must be a JSON object');
  const str = (v: unknown, field: string): string => {
    if (typeof v !== 'string' || v === '')
      throw new PluginEventError(`plugin event field ${field} must be a non-empty string`);
    return v;
  };
  const ips = o.IPs ?? [];
  if (!Array.isArray(ips)) throw new PluginEventError('plugin event field IPs must be a list');
  return {
    netns: str(o.Netns, 'Netns'),
    podName: str(o.PodName, 'PodName'),
    podNamespace: str(o.PodNamespace, 'PodNamespace'),
    ips: ips.map((w, i) => {
      const ip = w.Address?.IP;
      if (typeof ip !== 'string' || isIP(ip) === 0) {
        throw new PluginEventError(`plugin event IPs[${i}].Address.IP must be an IP address`);
      }
      const mask =
        typeof w.Address.Mask === 'string'
          ? Buffer.from(w.Address.Mask, 'base64')
          : Buffer.alloc(0);
      return {
        ip,
        prefixLength: prefixOf(mask),
        ...(typeof w.Interface === 'number' ? { interface: w.Interface } : {}),
        ...(typeof w.Gateway === 'string' && w.Gateway !== '' ? { gateway: w.Gateway } : {}),
      };
    }),
  };
}

/** The pod IPs a CNI result (prevResult) carries: `ips[].address` in CIDR form. */
export function ipConfigsFromResult(result: unknown): PodIpConfig[] {
  const ips = (result as { ips?: unknown } | null | undefined)?.ips;
  if (!Array.isArray(ips)) return [];
  const out: PodIpConfig[] = [];
  for (const entry of ips as { address?: unknown; gateway?: unknown; interface?: unknown }[]) {
    if (typeof entry.address !== 'string') continue;
    const [ip = '', prefix] = entry.address.split('/');
    if (isIP(ip) === 0) continue;
    out.push({
      ip,
      prefixLength: prefix === undefined ? (isIP(ip) === 6 ? 128 : 32) : Number(prefix),
      ...(typeof entry.interface === 'number' ? { interface: entry.interface } : {}),
      ...(typeof entry.gateway === 'string' ? { gateway: entry.gateway } : {}),
    });
  }
  return out;
}
