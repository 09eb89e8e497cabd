// Applies and removes the in-pod rules inside a pod's network namespace.
// Both operations are idempotent: apply replaces whatever version of our rules
// is there (atomically per table, never leaving the pod uncaptured), remove
// deletes only our chains, jumps, ip rule and route, and succeeds when there is
// nothing left to delete.

import { NetnsCommandError } from './errors.js';
import { isClean, parseIptablesSave, type InpodState } from './iptables-save.js';
import type { NetnsCommandRunner } from './netns-runner.js';
import {
  inpodRemoveText,
  inpodReplaceText,
  inpodRestoreText,
  inpodRouteCommands,
  INPOD_ROUTE_TABLE,
  INPOD_RULE_PRIORITY,
  INPOD_TPROXY_MARK,
  INPOD_MASK,
  type InpodRuleOptions,
  type IpFamily,
} from './rules.js';

export interface InpodRedirectorOptions {
  readonly runner: NetnsCommandRunner;
  /**
   * The iptables flavour matching the node's (istio-cni detects it): e.g.
   * `iptables` (default), `iptables-legacy` or `iptables-nft`. `-restore` and
   * `-save` are appended; IPv6 uses the `ip6tables` counterpart.
   */
  readonly iptables?: string;
  /** Also program IPv6 (ip6tables + `ip -6`). Default false. */
  readonly ipv6?: boolean;
}

export type ApplyOutcome = 'created' | 'replaced';

export interface ApplyOptions extends InpodRuleOptions {
  /**
   * Sets net.ipv4.tcp_migrate_req=1 in the pod (per netns, Linux ≥ 5.14):
   * when a listener of a SO_REUSEPORT group closes, the connections queued on
   * it move to another listener instead of being reset. ztunnel's in-pod
   * listeners form such a group during a rolling restart, so with this no new
   * connection is lost when the old ztunnel closes its listeners. Not part of
   * upstream's rules; off by default.
   */
  readonly migrateRequestsOnListenerClose?: boolean;
}

export class InpodRedirector {
  readonly #runner: NetnsCommandRunner;
  readonly #iptables: string;
  readonly #families: readonly IpFamily[];

  constructor(options: InpodRedirectorOptions) {
    this.#runner = options.runner;
    this.#iptables = options.iptables ?? 'iptables';
    this.#families = options.ipv6 ? [4, 6] : [4];
  }

  /** Installs (or refreshes) the rules and the policy route in the namespace at `netns`. */
  async apply(netns: string, options: ApplyOptions = {}): Promise<ApplyOutcome> {
    let outcome: ApplyOutcome = 'created';
    for (const family of this.#families) {
      const state = await this.inspect(netns, family);
      let text: string;
      if (isClean(state)) {
        text = inpodRestoreText(options, family);
      } else {
        outcome = 'replaced';
        text = inpodReplaceText(state.jumps, state.chains, options, family);
      }
      await this.#restore(netns, family, text);
      await this.#ensureRoute(netns, family);
    }
    if (options.migrateRequestsOnListenerClose) {
      const argv = ['sysctl', '-qw', 'net.ipv4.tcp_migrate_req=1'];
      const res = await this.#runner.run(netns, argv);
      if (res.exitCode !== 0) {
        throw new NetnsCommandError(
          netns,
          argv,
          res.exitCode,
          res.stderr,
          'tcp_migrate_req needs Linux 5.14 or later',
        );
      }
    }
    return outcome;
  }

  /** Removes our rules, chains, ip rule and route; a namespace without them is left as is. */
  async remove(netns: string): Promise<void> {
    for (const family of this.#families) {
      const state = await this.inspect(netns, family);
      const text = inpodRemoveText(state.jumps, state.chains);
      if (text) await this.#restore(netns, family, text);
      await this.#removeRoute(netns, family);
    }
  }

  /** What of ours the namespace holds now. */
  async inspect(netns: string, family: IpFamily = 4): Promise<InpodState> {
    const argv = [this.#binary(family, 'save')];
    const res = await this.#runner.run(netns, argv);
    if (res.exitCode !== 0) {
      throw new NetnsCommandError(
        netns,
        argv,
        res.exitCode,
        res.stderr,
        'is iptables installed, and does the namespace still exist?',
      );
    }
    return parseIptablesSave(res.stdout);
  }

  async #restore(netns: string, family: IpFamily, text: string): Promise<void> {
    const argv = [this.#binary(family, 'restore'), '--noflush', '--wait'];
    const res = await this.#runner.run(netns, argv, text);
    if (res.exitCode !== 0) {
      throw new NetnsCommandError(
        netns,
        argv,
        res.exitCode,
        res.stderr,
        'check that the kernel has the nat/mangle/raw tables and the REDIRECT, CONNMARK and CT targets ' +
          '(modules iptable_nat, xt_REDIRECT, xt_connmark, xt_CT), and that the iptables flavour matches the node',
      );
    }
  }

  async #ensureRoute(netns: string, family: IpFamily): Promise<void> {
    const { rule, route } = inpodRouteCommands(family);
    // `ip rule add` would add a duplicate on every call, so look first.
    if (!(await this.#hasRule(netns, family))) await this.#ip(netns, rule);
    // `replace` is idempotent where `add` fails with "File exists".
    await this.#ip(
      netns,
      route.map((a) => (a === 'add' ? 'replace' : a)),
    );
  }

  async #removeRoute(netns: string, family: IpFamily): Promise<void> {
    const { rule, route } = inpodRouteCommands(family);
    while (await this.#hasRule(netns, family)) {
      await this.#ip(
        netns,
        rule.map((a) => (a === 'add' ? 'del' : a)),
      );
    }
    const del = route.map((a) => (a === 'add' ? 'del' : a));
    const res = await this.#runner.run(netns, ['ip', ...del]);
    // "No such process" / "No such file": already gone.
    if (res.exitCode !== 0 && !/No such (process|file)|not found/i.test(res.stderr)) {
      throw new NetnsCommandError(netns, ['ip', ...del], res.exitCode, res.stderr, 'see stderr');
    }
  }

  async #hasRule(netns: string, family: IpFamily): Promise<boolean> {
    const argv = ['ip', family === 4 ? '-4' : '-6', 'rule', 'list'];
    const res = await this.#runner.run(netns, argv);
    if (res.exitCode !== 0) {
      throw new NetnsCommandError(netns, argv, res.exitCode, res.stderr, 'is iproute2 installed?');
    }
    const mark = `fwmark 0x${INPOD_TPROXY_MARK.toString(16)}/0x${INPOD_MASK.toString(16)}`;
    return res.stdout
      .split('\n')
      .some(
        (l) =>
          l.startsWith(`${INPOD_RULE_PRIORITY}:`) &&
          l.includes(mark) &&
          new RegExp(`lookup ${INPOD_ROUTE_TABLE}\\b`).test(l),
      );
  }

  async #ip(netns: string, args: readonly string[]): Promise<void> {
    const argv = ['ip', ...args];
    const res = await this.#runner.run(netns, argv);
    if (res.exitCode !== 0) {
      throw new NetnsCommandError(
        netns,
        argv,
        res.exitCode,
        res.stderr,
        'policy routing for replies to spoofed sources needs CAP_NET_ADMIN in the pod namespace',
      );
    }
  }

  #binary(family: IpFamily, op: 'save' | 'restore'): string {
    const base = family === 4 ? this.#iptables : this.#iptables.replace(/^iptables/, 'ip6tables');
    return `${base}-${op}`;
  }
}
