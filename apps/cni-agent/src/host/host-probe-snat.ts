// The node-side half of ambient's probe handling (reference/istiod.md §5.3): kubelet probes
// leave the node from a local socket towards a captured pod's IP; they are SNATed to
// 169.254.7.127, which the in-pod rules accept untouched, so health checks never pass
// through ztunnel (where a policy could deny them). Captured pod IPs live in the ipset
// istio-inpod-probes-v4. Host rules are cleaned and re-created on every agent start.
import { isIP } from 'node:net';
import { HOST_PROBE_SNAT_ADDRESS } from '@ambient-ts/inpod-redirection';
import { errorMessage } from '../errors.js';
import type { Log } from '../log.js';

export const PROBE_IPSET_V4 = 'istio-inpod-probes-v4';
export const HOST_CHAIN = 'ISTIO_POSTRT';

export interface HostCommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in the node's network namespace (the agent's own: hostNetwork). */
export type HostCommandRunner = (
  argv: readonly string[],
  input?: string,
) => Promise<HostCommandResult>;

export interface HostProbes {
  add(ips: readonly string[]): Promise<void>;
  remove(ips: readonly string[]): Promise<void>;
}

/** The nat rules, in iptables-restore --noflush form; declaring the chain empties it first. */
export function hostProbeRulesText(withJump: boolean): string {
  return [
    '*nat',
    `:${HOST_CHAIN} - [0:0]`,
    ...(withJump ? [`-I POSTROUTING 1 -j ${HOST_CHAIN}`] : []),
    `-A ${HOST_CHAIN} -m owner --socket-exists -p tcp -m set --match-set ${PROBE_IPSET_V4} dst -j SNAT --to-source ${HOST_PROBE_SNAT_ADDRESS}`,
    'COMMIT',
    '',
  ].join('\n');
}

export class HostProbeSnat implements HostProbes {
  readonly #run: HostCommandRunner;
  readonly #log: Log;
  #enabled = false;

  constructor(run: HostCommandRunner, log: Log) {
    this.#run = run;
    this.#log = log;
  }

  get enabled(): boolean {
    return this.#enabled;
  }

  /**
   * (Re)creates the ipset (emptied: the restored pods add themselves back) and the SNAT rule.
   * A node without ipset/xt_set support keeps working without probe SNAT, with a warning.
   */
  async setup(): Promise<void> {
    try {
      await this.#must(['ipset', 'create', PROBE_IPSET_V4, 'hash:ip', '-exist']);
      await this.#must(['ipset', 'flush', PROBE_IPSET_V4]);
      const jump = await this.#run([
        'iptables',
        '-t',
        'nat',
        '-C',
        'POSTROUTING',
        '-j',
        HOST_CHAIN,
      ]);
      await this.#must(['iptables-restore', '--noflush'], hostProbeRulesText(jump.exitCode !== 0));
      this.#enabled = true;
    } catch (err) {
      this.#enabled = false;
      this.#log.warn(
        { err: errorMessage(err) },
        'host probe SNAT unavailable (needs ipset and the xt_set/xt_owner modules): kubelet probes to captured pods go through ztunnel',
      );
    }
  }

  async add(ips: readonly string[]): Promise<void> {
    if (!this.#enabled) return;
    for (const ip of ips.filter((i) => isIP(i) === 4))
      await this.#must(['ipset', 'add', PROBE_IPSET_V4, ip, '-exist']);
  }

  async remove(ips: readonly string[]): Promise<void> {
    if (!this.#enabled) return;
    for (const ip of ips.filter((i) => isIP(i) === 4))
      await this.#must(['ipset', 'del', PROBE_IPSET_V4, ip, '-exist']);
  }

  /** Uninstall: the jump, the chain and the ipset go away. */
  async teardown(): Promise<void> {
    await this.#run(['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-j', HOST_CHAIN]);
    await this.#run(['iptables', '-t', 'nat', '-F', HOST_CHAIN]);
    await this.#run(['iptables', '-t', 'nat', '-X', HOST_CHAIN]);
    await this.#run(['ipset', 'destroy', PROBE_IPSET_V4]);
    this.#enabled = false;
  }

  async #must(argv: readonly string[], input?: string): Promise<void> {
    const r = await this.#run(argv, input);
    if (r.exitCode !== 0)
      throw new Error(`${argv.join(' ')} failed (${r.exitCode}): ${r.stderr.trim()}`);
  }
}
