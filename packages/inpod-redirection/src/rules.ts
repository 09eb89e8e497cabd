// The in-pod redirection rules of Istio ambient (istio-cni, REDIRECT mode since
// 1.24), as iptables-restore text. They run inside a pod's network namespace:
// outbound TCP → ztunnel :15001, inbound TCP → :15006 (except the HBONE port
// 15008), DNS → :15053; ztunnel's own sockets carry mark 0x539 and are skipped,
// replies to connections ztunnel made with a spoofed source carry connmark
// 0x111 and are routed back to it by `ip rule fwmark 0x111 lookup 100`.
// Pure: the text and argv lists only; applier.ts runs them.

/** Mark on every socket ztunnel opens inside a pod (1337). */
export const INPOD_MARK = 0x539;
/** Mask of the mark bits the rules own. */
export const INPOD_MASK = 0xfff;
/** Connmark set on connections ztunnel made, restored on replies for policy routing. */
export const INPOD_TPROXY_MARK = 0x111;
/** Routing table holding `local default dev lo` for marked replies. */
export const INPOD_ROUTE_TABLE = 100;
/** Priority of the fwmark rule. */
export const INPOD_RULE_PRIORITY = 32764;

export const ZTUNNEL_OUTBOUND_PORT = 15001;
export const ZTUNNEL_INBOUND_PLAINTEXT_PORT = 15006;
export const ZTUNNEL_INBOUND_PORT = 15008;
export const DNS_CAPTURE_PORT = 15053;

/** The node SNATs kubelet probes to this address; the rules let them through untouched. */
export const HOST_PROBE_SNAT_ADDRESS = '169.254.7.127';
export const HOST_PROBE_SNAT_ADDRESS_V6 = 'fd16:9254:7127:1337:ffff:ffff:ffff:ffff';

export const CHAIN_PREROUTING = 'ISTIO_PRERT';
export const CHAIN_OUTPUT = 'ISTIO_OUTPUT';
/** Every chain the rules create, per table. */
export const INPOD_CHAINS: Readonly<Record<IptablesTable, readonly string[]>> = {
  mangle: [CHAIN_PREROUTING, CHAIN_OUTPUT],
  nat: [CHAIN_PREROUTING, CHAIN_OUTPUT],
  raw: [CHAIN_OUTPUT, CHAIN_PREROUTING],
};

export type IptablesTable = 'mangle' | 'nat' | 'raw';
export type IpFamily = 4 | 6;

export interface InpodRuleOptions {
  /**
   * Redirect DNS (UDP and TCP port 53) to ztunnel's DNS proxy on 15053. Chart
   * `ambient.dnsCapture` (default true); pod annotation
   * `ambient.istio.io/dns-capture: "false"` turns it off for one pod.
   */
  readonly dnsCapture?: boolean;
  /**
   * "Ingress mode", annotation `ambient.istio.io/bypass-inbound-capture: "true"`:
   * inbound traffic is not redirected to 15006 (and the inbound probe accept
   * goes with it).
   */
  readonly bypassInboundCapture?: boolean;
  /**
   * Annotation `istio.io/reroute-virtual-interfaces`: TCP arriving on these
   * interfaces (e.g. a KubeVirt VM's tap) is sent to the outbound port.
   */
  readonly rerouteVirtualInterfaces?: readonly string[];
}

const mark = (value: number): string => `0x${value.toString(16)}/0x${INPOD_MASK.toString(16)}`;

function familyAddresses(family: IpFamily): { loopback: string; probe: string } {
  return family === 4
    ? { loopback: '127.0.0.1/32', probe: HOST_PROBE_SNAT_ADDRESS }
    : { loopback: '::1/128', probe: HOST_PROBE_SNAT_ADDRESS_V6 };
}

/** One table's part of the restore text: chain creations, then rules, in append order. */
interface TableRules {
  readonly table: IptablesTable;
  readonly chains: readonly string[];
  readonly rules: readonly string[];
}

/** The rules per table, in the order istio-cni appends them. */
export function inpodTableRules(
  options: InpodRuleOptions = {},
  family: IpFamily = 4,
): TableRules[] {
  const dns = options.dnsCapture ?? true;
  const inbound = !(options.bypassInboundCapture ?? false);
  const { loopback, probe } = familyAddresses(family);
  const inpodMark = mark(INPOD_MARK);
  const tproxyMark = mark(INPOD_TPROXY_MARK);
  const restoreMask = '0xffffffff';

  const mangle: TableRules = {
    table: 'mangle',
    chains: [CHAIN_PREROUTING, CHAIN_OUTPUT],
    rules: [
      `-A PREROUTING -j ${CHAIN_PREROUTING}`,
      `-A OUTPUT -j ${CHAIN_OUTPUT}`,
      // ztunnel's connections (mark 0x539) get connmark 0x111 ...
      `-A ${CHAIN_PREROUTING} -m mark --mark ${inpodMark} -j CONNMARK --set-xmark ${tproxyMark}`,
      // ... which is restored onto replies, so `ip rule fwmark 0x111` routes them locally.
      `-A ${CHAIN_OUTPUT} -m connmark --mark ${tproxyMark} -j CONNMARK --restore-mark --nfmask ${restoreMask} --ctmask ${restoreMask}`,
    ],
  };

  const natRules: string[] = [
    `-A OUTPUT -j ${CHAIN_OUTPUT}`,
    `-A PREROUTING -j ${CHAIN_PREROUTING}`,
  ];
  for (const iface of options.rerouteVirtualInterfaces ?? []) {
    natRules.push(
      `-A ${CHAIN_PREROUTING} -i ${iface} -p tcp -j REDIRECT --to-ports ${ZTUNNEL_OUTBOUND_PORT}`,
    );
  }
  if (inbound) natRules.push(`-A ${CHAIN_PREROUTING} -s ${probe} -p tcp -m tcp -j ACCEPT`);
  natRules.push(`-A ${CHAIN_OUTPUT} -d ${probe} -p tcp -m tcp -j ACCEPT`);
  if (inbound) {
    natRules.push(
      `-A ${CHAIN_PREROUTING} ! -d ${loopback} -p tcp ! --dport ${ZTUNNEL_INBOUND_PORT} -m mark ! --mark ${inpodMark} -j REDIRECT --to-ports ${ZTUNNEL_INBOUND_PLAINTEXT_PORT}`,
    );
  }
  if (dns) {
    natRules.push(
      `-A ${CHAIN_OUTPUT} ! -o lo -p udp -m mark ! --mark ${inpodMark} -m udp --dport 53 -j REDIRECT --to-port ${DNS_CAPTURE_PORT}`,
      `-A ${CHAIN_OUTPUT} ! -d ${loopback} -p tcp --dport 53 -m mark ! --mark ${inpodMark} -j REDIRECT --to-ports ${DNS_CAPTURE_PORT}`,
    );
  }
  natRules.push(
    `-A ${CHAIN_OUTPUT} -p tcp -m mark --mark ${tproxyMark} -j ACCEPT`,
    `-A ${CHAIN_OUTPUT} ! -d ${loopback} -o lo -j ACCEPT`,
    `-A ${CHAIN_OUTPUT} ! -d ${loopback} -p tcp -m mark ! --mark ${inpodMark} -j REDIRECT --to-ports ${ZTUNNEL_OUTBOUND_PORT}`,
  );
  const nat: TableRules = {
    table: 'nat',
    chains: [CHAIN_PREROUTING, CHAIN_OUTPUT],
    rules: natRules,
  };

  const tables = [mangle, nat];
  if (dns) {
    // Conntrack zone 1 keeps ztunnel's upstream DNS flows apart from the
    // pod's redirected ones (istio/istio#33469).
    tables.push({
      table: 'raw',
      chains: [CHAIN_OUTPUT, CHAIN_PREROUTING],
      rules: [
        `-A PREROUTING -j ${CHAIN_PREROUTING}`,
        `-A OUTPUT -j ${CHAIN_OUTPUT}`,
        `-A ${CHAIN_OUTPUT} -p udp -m mark --mark ${inpodMark} -m udp --dport 53 -j CT --zone 1`,
        `-A ${CHAIN_PREROUTING} -p udp -m mark ! --mark ${inpodMark} -m udp --sport 53 -j CT --zone 1`,
      ],
    });
  }
  return tables;
}

/**
 * The iptables-restore text for a pod without our chains (apply with
 * `--noflush`): exactly what istio-cni writes (reference/istiod.md §5.3).
 */
export function inpodRestoreText(options: InpodRuleOptions = {}, family: IpFamily = 4): string {
  const lines: string[] = [];
  for (const t of inpodTableRules(options, family)) {
    lines.push(`* ${t.table}`);
    for (const c of t.chains) lines.push(`-N ${c}`);
    lines.push(...t.rules, 'COMMIT');
  }
  return lines.join('\n') + '\n';
}

/** Jump rules into our chains that a pod's tables currently hold, per table. */
export type PresentJumps = Readonly<Partial<Record<IptablesTable, readonly string[]>>>;

/**
 * Restore text (apply with `--noflush`) that replaces whatever version of our
 * rules a pod holds with the current one, atomically per table: `:CHAIN - [0:0]`
 * creates a missing chain and empties an existing one, present jumps are
 * deleted before the new ones are appended, so there is no moment without
 * capture and no duplicate jump. Tables of ours that the new rule set no
 * longer uses (raw, when DNS capture was turned off) are emptied and dropped.
 */
export function inpodReplaceText(
  present: PresentJumps,
  presentChains: Readonly<Partial<Record<IptablesTable, readonly string[]>>>,
  options: InpodRuleOptions = {},
  family: IpFamily = 4,
): string {
  const wanted = inpodTableRules(options, family);
  const lines: string[] = [];
  for (const t of wanted) {
    lines.push(`* ${t.table}`);
    for (const c of t.chains) lines.push(`:${c} - [0:0]`);
    for (const jump of present[t.table] ?? []) lines.push(jump.replace(/^-A /, '-D '));
    lines.push(...t.rules, 'COMMIT');
  }
  for (const table of Object.keys(INPOD_CHAINS) as IptablesTable[]) {
    if (wanted.some((t) => t.table === table)) continue;
    const removal = tableRemoval(table, present[table] ?? [], presentChains[table] ?? []);
    if (removal.length > 0) lines.push(...removal);
  }
  return lines.join('\n') + '\n';
}

/** Restore text (apply with `--noflush`) that removes our jumps and chains, and nothing else. */
export function inpodRemoveText(
  present: PresentJumps,
  presentChains: Readonly<Partial<Record<IptablesTable, readonly string[]>>>,
): string {
  const lines: string[] = [];
  for (const table of Object.keys(INPOD_CHAINS) as IptablesTable[]) {
    lines.push(...tableRemoval(table, present[table] ?? [], presentChains[table] ?? []));
  }
  return lines.length === 0 ? '' : lines.join('\n') + '\n';
}

function tableRemoval(
  table: IptablesTable,
  jumps: readonly string[],
  chains: readonly string[],
): string[] {
  if (jumps.length === 0 && chains.length === 0) return [];
  return [
    `* ${table}`,
    ...jumps.map((j) => j.replace(/^-A /, '-D ')),
    ...chains.map((c) => `-F ${c}`),
    ...chains.map((c) => `-X ${c}`),
    'COMMIT',
  ];
}

/** `ip` argv lists (without the leading `ip`) for the policy routing of marked replies. */
export function inpodRouteCommands(family: IpFamily = 4): {
  readonly rule: readonly string[];
  readonly route: readonly string[];
} {
  const f = family === 4 ? '-4' : '-6';
  return {
    rule: [
      f,
      'rule',
      'add',
      'fwmark',
      mark(INPOD_TPROXY_MARK),
      'pref',
      String(INPOD_RULE_PRIORITY),
      'lookup',
      String(INPOD_ROUTE_TABLE),
    ],
    route: [
      f,
      'route',
      'add',
      'local',
      family === 4 ? '0.0.0.0/0' : '::/0',
      'dev',
      'lo',
      'table',
      String(INPOD_ROUTE_TABLE),
    ],
  };
}
