// Reads `iptables-save` output for the parts that are ours: the chains the
// in-pod rules create and the jumps from built-in chains into them. Pure.

import { INPOD_CHAINS, type IptablesTable, type PresentJumps } from './rules.js';

export interface InpodState {
  /** `-A <builtin> -j <our chain>` lines, as saved, per table. */
  readonly jumps: PresentJumps;
  /** Our chains that exist, per table. */
  readonly chains: Readonly<Partial<Record<IptablesTable, readonly string[]>>>;
  /** Every rule line inside our chains, per table (to compare with what we want). */
  readonly rules: Readonly<Partial<Record<IptablesTable, readonly string[]>>>;
}

const OUR_TABLES = new Set<string>(Object.keys(INPOD_CHAINS));

export function parseIptablesSave(text: string): InpodState {
  const jumps: Partial<Record<IptablesTable, string[]>> = {};
  const chains: Partial<Record<IptablesTable, string[]>> = {};
  const rules: Partial<Record<IptablesTable, string[]>> = {};
  let table: IptablesTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) {
      const name = line.slice(1).trim();
      table = OUR_TABLES.has(name) ? (name as IptablesTable) : undefined;
      continue;
    }
    if (!table) continue;
    const ours = INPOD_CHAINS[table];
    if (line.startsWith(':')) {
      const chain = line.slice(1).split(/\s+/)[0] ?? '';
      if (ours.includes(chain)) (chains[table] ??= []).push(chain);
      continue;
    }
    if (!line.startsWith('-A ')) continue;
    const words = line.split(/\s+/);
    const chain = words[1] ?? '';
    if (ours.includes(chain)) {
      (rules[table] ??= []).push(line);
      continue;
    }
    const j = words.indexOf('-j');
    const target = j === -1 ? undefined : words[j + 1];
    if (target !== undefined && ours.includes(target)) (jumps[table] ??= []).push(line);
  }
  return { jumps, chains, rules };
}

/** True when the namespace holds none of our chains or jumps. */
export function isClean(state: InpodState): boolean {
  const empty = (r: Readonly<Partial<Record<string, readonly string[]>>>): boolean =>
    Object.values(r).every((v) => v === undefined || v.length === 0);
  return empty(state.jumps) && empty(state.chains);
}
