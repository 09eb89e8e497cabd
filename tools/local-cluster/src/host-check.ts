// Whether this machine can run a local cluster, and if not, why — so a test
// suite can say it did not run instead of failing or passing silently.
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { readEnv } from './config.js';
import { UnsupportedHostError } from './errors.js';

const REQUIRED_TOOLS = [
  'unshare',
  'nsenter',
  'ip',
  'iptables',
  'iptables-restore',
  'sysctl',
  'mount',
];
const REQUIRED_FILES = [
  ['/usr/bin/etcd', "Debian's etcd-server package"],
  ['/usr/lib/cni/ptp', "Debian's containernetworking-plugins package"],
  ['/usr/lib/cni/host-local', "Debian's containernetworking-plugins package"],
  ['/usr/lib/cni/portmap', "Debian's containernetworking-plugins package"],
] as const;

async function executable(file: string): Promise<boolean> {
  return access(file, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function onPath(tool: string, pathVar: string): Promise<boolean> {
  for (const dir of pathVar.split(delimiter)) {
    if (dir && (await executable(join(dir, tool)))) return true;
  }
  return false;
}

/** undefined when a local cluster can run here; otherwise the reason it cannot. */
export async function localClusterUnsupportedReason(
  pathVar = `${readEnv().path}:/usr/sbin:/sbin`,
): Promise<string | undefined> {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (network, mount and pid namespaces, iptables)';
  const missing = [];
  for (const tool of REQUIRED_TOOLS) if (!(await onPath(tool, pathVar))) missing.push(tool);
  if (missing.length > 0)
    return `missing tools on PATH: ${missing.join(', ')} (Debian: util-linux, iproute2, iptables, procps)`;
  for (const [file, pkg] of REQUIRED_FILES) {
    if (!(await executable(file))) return `missing ${file} (${pkg})`;
  }
  return undefined;
}

export async function assertHostSupported(): Promise<void> {
  const reason = await localClusterUnsupportedReason();
  if (reason) throw new UnsupportedHostError(`cannot run a local cluster here: ${reason}`);
}
