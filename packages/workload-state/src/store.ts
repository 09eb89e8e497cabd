// The one state store of a proxy process (ztunnel, waypoint): workloads, services and L4
// policies from xDS. Readers get a `ProxyState`; the only writer is the
// `StateUpdater` returned next to it. Each call applies everything it is given
// as one change (one xDS response = one swap), never a part of it.

import type { L4Policy } from '@ambient-ts/policy';
import { policyKey, selectL4Policies, type PolicySelection } from '@ambient-ts/policy';
import { ipFamily, networkAddressKey, type IpAddr, type NetworkAddress } from './ip.js';
import { serviceKey, type Endpoint, type PortMap, type Service, type Workload } from './model.js';

/** What one applied update changed; listeners react (certificates, policy re-checks). */
export type StateChange =
  | {
      readonly kind: 'addresses';
      /** Workloads added, replaced or removed (by uid). */
      readonly workloads: readonly string[];
      readonly services: readonly string[];
    }
  | { readonly kind: 'policies'; readonly policies: readonly string[] };

export interface ProxyState {
  workloadByUid(uid: string): Workload | undefined;
  /** The workload owning `address` on `network`; host-network workloads are never matched by IP. */
  workloadByAddress(address: NetworkAddress): Workload | undefined;
  serviceByKey(key: string): Service | undefined;
  /** Services with this VIP (exact, or a CIDR VIP containing it). */
  servicesByVip(address: NetworkAddress): readonly Service[];
  servicesByHostname(hostname: string): readonly Service[];
  /** Endpoints of a service, in insertion order. */
  endpoints(serviceKey: string): readonly Endpoint[];
  /** The services a workload is an endpoint of. */
  servicesOfWorkload(uid: string): readonly Service[];
  /**
   * The xDS workload of a pod this ztunnel serves: matched by namespace,
   * service account and name among the workloads whose `node` is ours —
   * never by IP (IPs are reused; upstream does the same).
   */
  localWorkload(
    node: string,
    pod: { readonly namespace: string; readonly serviceAccount: string; readonly name: string },
  ): Workload | undefined;
  /** Every workload scheduled on `node`. */
  workloadsOnNode(node: string): readonly Workload[];
  /** The L4 policies that apply to a destination workload. */
  policiesFor(workload: Workload): PolicySelection;
  policy(key: string): L4Policy | undefined;
  /**
   * Keys whose last version was rejected, with the reason: each holds a
   * fail-closed stand-in (policy `failClosedStandIn`) until a good version
   * arrives or the key is removed.
   */
  failedClosedPolicies(): ReadonlyMap<string, string>;
  workloads(): Iterable<Workload>;
  services(): Iterable<Service>;
  policies(): Iterable<L4Policy>;
  /** Endpoints whose service has not arrived yet (upstream's `stagedServices`). */
  stagedServiceKeys(): readonly string[];
  /** Called after each applied change. Returns an unsubscribe function. */
  onChange(listener: (change: StateChange) => void): () => void;
}

/** The single writer. Each method either applies everything it is given or throws and applies nothing. */
export interface StateUpdater {
  /** Upserts workloads and services and removes names (tried as workload uid, then as service key). */
  applyAddresses(update: {
    readonly workloads: readonly Workload[];
    readonly services: readonly Service[];
    readonly removed: readonly string[];
  }): StateChange;
  /**
   * Removes `removed`, then upserts `policies` (keyed `namespace/name`) and the
   * fail-closed stand-ins of rejected resources (keyed by resource name), all
   * in one change.
   */
  applyPolicies(update: {
    readonly policies: readonly L4Policy[];
    readonly removed: readonly string[];
    readonly failClosed?: readonly FailClosedPolicy[];
  }): StateChange;
}

/** A rejected Authorization's stand-in, stored under the rejected resource's name. */
export interface FailClosedPolicy {
  readonly key: string;
  readonly policy: L4Policy;
  /** Why the resource was rejected (the NACK text). */
  readonly reason: string;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V): void {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

function fullPrefix(ip: IpAddr): number {
  return ipFamily(ip) === 4 ? 32 : 128;
}

function ipBits(ip: IpAddr): bigint {
  if (ipFamily(ip) === 4) return ip.split('.').reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
    : h;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function cidrContains(base: IpAddr, prefix: number, ip: IpAddr): boolean {
  if (ipFamily(base) !== ipFamily(ip)) return false;
  const bits = BigInt(fullPrefix(base));
  const shift = bits - BigInt(prefix);
  return ipBits(base) >> shift === ipBits(ip) >> shift;
}

export function createStateStore(): { readonly state: ProxyState; readonly updater: StateUpdater } {
  const workloads = new Map<string, Workload>();
  const byAddress = new Map<string, Set<string>>();
  const services = new Map<string, Service>();
  const byVip = new Map<string, Set<string>>();
  const cidrVips = new Map<string, { network: string; base: IpAddr; prefix: number }[]>();
  const byHostname = new Map<string, Set<string>>();
  /** serviceKey → uid → ports: built from workloads, so endpoints may precede their service. */
  const endpointIndex = new Map<string, Map<string, PortMap>>();
  /** By xDS resource name (`namespace/name`); stand-ins included. */
  const policies = new Map<string, L4Policy>();
  const failedClosed = new Map<string, string>();
  const listeners = new Set<(c: StateChange) => void>();

  function indexWorkload(w: Workload): void {
    if (w.networkMode !== 'HostNetwork') {
      for (const a of w.addresses)
        addTo(byAddress, networkAddressKey({ network: w.network, address: a }), w.uid);
    }
    for (const [key, ports] of w.services) {
      let m = endpointIndex.get(key);
      if (!m) endpointIndex.set(key, (m = new Map<string, PortMap>()));
      m.set(w.uid, ports);
    }
  }
  function unindexWorkload(w: Workload): void {
    for (const a of w.addresses)
      removeFrom(byAddress, networkAddressKey({ network: w.network, address: a }), w.uid);
    for (const key of w.services.keys()) {
      const m = endpointIndex.get(key);
      m?.delete(w.uid);
      if (m?.size === 0) endpointIndex.delete(key);
    }
  }
  function indexService(s: Service): void {
    const key = serviceKey(s);
    for (const v of s.vips) {
      if (v.prefixLength === fullPrefix(v.address)) addTo(byVip, networkAddressKey(v), key);
      else {
        const list = cidrVips.get(key) ?? [];
        list.push({ network: v.network, base: v.address, prefix: v.prefixLength });
        cidrVips.set(key, list);
      }
    }
    addTo(byHostname, s.hostname, key);
  }
  function unindexService(s: Service): void {
    const key = serviceKey(s);
    for (const v of s.vips) removeFrom(byVip, networkAddressKey(v), key);
    cidrVips.delete(key);
    removeFrom(byHostname, s.hostname, key);
  }
  function emit(change: StateChange): StateChange {
    for (const l of listeners) l(change);
    return change;
  }

  const state: ProxyState = {
    workloadByUid: (uid) => workloads.get(uid),
    workloadByAddress(address) {
      const uids = byAddress.get(networkAddressKey(address));
      if (!uids) return undefined;
      // Several workloads can briefly share an IP (a pod replaced); the newest wins.
      let found: Workload | undefined;
      for (const uid of uids) found = workloads.get(uid) ?? found;
      return found;
    },
    serviceByKey: (key) => services.get(key),
    servicesByVip(address) {
      const out: Service[] = [];
      for (const key of byVip.get(networkAddressKey(address)) ?? []) {
        const s = services.get(key);
        if (s) out.push(s);
      }
      for (const [key, ranges] of cidrVips) {
        if (
          ranges.some(
            (r) => r.network === address.network && cidrContains(r.base, r.prefix, address.address),
          )
        ) {
          const s = services.get(key);
          if (s && !out.includes(s)) out.push(s);
        }
      }
      return out;
    },
    servicesByHostname(hostname) {
      return [...(byHostname.get(hostname) ?? [])].flatMap((k) => services.get(k) ?? []);
    },
    endpoints(key) {
      const out: Endpoint[] = [];
      for (const [uid, ports] of endpointIndex.get(key) ?? []) {
        const w = workloads.get(uid);
        if (w) out.push({ workload: w, ports });
      }
      return out;
    },
    servicesOfWorkload(uid) {
      const w = workloads.get(uid);
      if (!w) return [];
      return [...w.services.keys()].flatMap((k) => services.get(k) ?? []);
    },
    localWorkload(node, pod) {
      let found: Workload | undefined;
      for (const w of workloads.values()) {
        if (
          w.node === node &&
          w.namespace === pod.namespace &&
          w.serviceAccount === (pod.serviceAccount || 'default') &&
          w.name === pod.name
        ) {
          found = w;
        }
      }
      return found;
    },
    workloadsOnNode: (node) => [...workloads.values()].filter((w) => w.node === node),
    policiesFor: (w) => selectL4Policies(policies.values(), w),
    policy: (key) => policies.get(key),
    failedClosedPolicies: () => failedClosed,
    workloads: () => workloads.values(),
    services: () => services.values(),
    policies: () => policies.values(),
    stagedServiceKeys: () => [...endpointIndex.keys()].filter((k) => !services.has(k)).sort(),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  const updater: StateUpdater = {
    applyAddresses({ workloads: ws, services: ss, removed }) {
      // Nothing below can throw: validation happened when the values were built.
      const changedWorkloads: string[] = [];
      const changedServices: string[] = [];
      for (const name of removed) {
        const w = workloads.get(name);
        if (w) {
          unindexWorkload(w);
          workloads.delete(name);
          changedWorkloads.push(name);
          continue;
        }
        const s = services.get(name);
        if (s) {
          unindexService(s);
          services.delete(name);
          changedServices.push(name);
        }
      }
      for (const w of ws) {
        const old = workloads.get(w.uid);
        if (old) unindexWorkload(old);
        // Re-insert so iteration order (and "newest wins" by address) follows updates.
        workloads.delete(w.uid);
        workloads.set(w.uid, w);
        indexWorkload(w);
        changedWorkloads.push(w.uid);
      }
      for (const s of ss) {
        const key = serviceKey(s);
        const old = services.get(key);
        if (old) unindexService(old);
        services.set(key, s);
        indexService(s);
        changedServices.push(key);
      }
      return emit({ kind: 'addresses', workloads: changedWorkloads, services: changedServices });
    },
    applyPolicies({ policies: ps, removed, failClosed = [] }) {
      const changed: string[] = [];
      for (const key of removed) {
        failedClosed.delete(key);
        if (policies.delete(key)) changed.push(key);
      }
      for (const p of ps) {
        const key = policyKey(p);
        failedClosed.delete(key);
        policies.set(key, p);
        changed.push(key);
      }
      for (const f of failClosed) {
        policies.set(f.key, f.policy);
        failedClosed.set(f.key, f.reason);
        changed.push(f.key);
      }
      return emit({ kind: 'policies', policies: changed });
    },
  };
  return { state, updater };
}
