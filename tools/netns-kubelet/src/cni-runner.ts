// Executes the node's CNI chain per the CNI spec. The conflist used for ADD and the final
// result are cached in the pod's state directory, so DEL runs the same plugins (reversed) with
// the same prevResult even if the conf dir changed meanwhile — as libcni's result cache does.
import { access, constants, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner } from './commands.js';
import {
  parseConfList,
  parsePluginOutput,
  pickConfFile,
  pluginEnv,
  pluginStdin,
  type CniConfList,
  type CniRuntime,
} from './cni-config.js';
import { CniError, errorMessage } from './errors.js';

export interface CniAddResult {
  readonly confFile: string;
  readonly confList: CniConfList;
  readonly result: unknown;
}

export interface CniRunner {
  add(rt: Omit<CniRuntime, 'path'>): Promise<CniAddResult>;
  /** DEL in reverse order; every plugin runs even if an earlier one failed; the first error is thrown after. */
  del(rt: Omit<CniRuntime, 'path'>, confList: CniConfList, prevResult: unknown): Promise<void>;
}

export interface CniRunnerOptions {
  readonly confDir: string;
  readonly binDirs: readonly string[];
  readonly run: CommandRunner;
  readonly timeoutMs?: number;
}

async function findPlugin(binDirs: readonly string[], type: string): Promise<string> {
  if (type.includes('/')) throw new CniError(type, 'FIND', 'plugin type must be a bare name');
  for (const d of binDirs) {
    const p = path.join(d, type);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // next dir
    }
  }
  throw new CniError(type, 'FIND', `no executable "${type}" in ${binDirs.join(':')}`);
}

export async function loadConfList(confDir: string): Promise<{ file: string; list: CniConfList }> {
  let names: string[];
  try {
    names = await readdir(confDir);
  } catch {
    throw new CniError(
      '(config)',
      'LOAD',
      `CNI conf dir ${confDir} is missing: the network is not ready`,
    );
  }
  const name = pickConfFile(names);
  if (!name)
    throw new CniError(
      '(config)',
      'LOAD',
      `no .conflist/.conf in ${confDir}: the network is not ready`,
    );
  const file = path.join(confDir, name);
  return { file, list: parseConfList(await readFile(file, 'utf8'), file) };
}

export function cniRunner(opts: CniRunnerOptions): CniRunner {
  const invoke = async (
    command: 'ADD' | 'DEL',
    list: CniConfList,
    plugin: CniConfList['plugins'][number],
    rt: Omit<CniRuntime, 'path'>,
    prevResult: unknown,
  ): Promise<unknown> => {
    const bin = await findPlugin(opts.binDirs, plugin.type);
    const r = await opts.run([bin], {
      input: pluginStdin(list, plugin, prevResult, rt.capabilityArgs),
      env: pluginEnv(command, { ...rt, path: opts.binDirs }),
      // Plugins see the spec's variables plus PATH (they call iptables, ip…).
      extendEnv: true,
      reject: false,
      timeoutMs: opts.timeoutMs ?? 60_000,
    });
    return parsePluginOutput(plugin.type, command, r.stdout, r.exitCode, r.stderr);
  };
  return {
    async add(rt) {
      const { file, list } = await loadConfList(opts.confDir);
      let prev: unknown = undefined;
      for (const plugin of list.plugins) {
        const out = await invoke('ADD', list, plugin, rt, prev);
        // A plugin that prints nothing passes the previous result through.
        if (out !== undefined) prev = out;
      }
      return { confFile: file, confList: list, result: prev };
    },
    async del(rt, list, prevResult) {
      let first: unknown;
      for (const plugin of [...list.plugins].reverse()) {
        try {
          await invoke('DEL', list, plugin, rt, prevResult);
        } catch (err) {
          first ??= err;
        }
      }
      if (first !== undefined)
        throw first instanceof Error ? first : new Error(errorMessage(first));
    },
  };
}
