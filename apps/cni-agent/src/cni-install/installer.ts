// Installs the chained plugin on the node: the `istio-cni` executable into the CNI bin dir,
// the plugin's kubeconfig, and our entry into the primary conflist; keeps the entry there
// (another CNI rewriting its file drops it) and takes everything out again on uninstall.
import { watch, type FSWatcher } from 'node:fs';
import {
  chmod,
  copyFile,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { CniConfigError, errorMessage } from '../errors.js';
import type { Log } from '../log.js';
import {
  conflistFileName,
  hasEntry,
  insertIstioCni,
  istioCniEntry,
  parseNetworkConfig,
  pickPrimaryConfFile,
  removeIstioCni,
  serializeConfList,
  type JsonObject,
} from './conflist.js';

export const PLUGIN_BINARY_NAME = 'istio-cni';

/** How the plugin executable gets onto the node. */
export type PluginSource =
  /** Copy every file of a directory (an image's prebuilt plugin: executable + runtime). */
  | { readonly kind: 'copy-dir'; readonly dir: string }
  /** Write a small sh launcher running `node` on the plugin script in place (the local cluster, where the node sees this checkout). */
  | {
      readonly kind: 'launcher';
      readonly node: string;
      readonly nodeArgs: readonly string[];
      readonly script: string;
    };

export interface CniInstallerOptions {
  /** The node's CNI conf dir as the agent sees it (/host/etc/cni/net.d). */
  readonly confDir: string;
  /** Use this file instead of the first one (CNI_CONF_NAME). */
  readonly confName?: string;
  /** The node's CNI bin dir as the agent sees it (/host/opt/cni/bin). */
  readonly binDir: string;
  readonly plugin: PluginSource;
  readonly entry: JsonObject;
  /** Where the plugin kubeconfig goes (agent's view) and its content. */
  readonly kubeconfig: { readonly path: string; readonly content: () => Promise<string> };
  readonly log: Log;
  /** How often the conflist is checked besides file events. */
  readonly recheckMs?: number;
}

async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  await writeFile(tmp, content, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

async function copyAtomic(from: string, to: string): Promise<void> {
  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.${process.pid}.tmp`);
  await copyFile(from, tmp);
  await chmod(tmp, 0o755);
  // rename, not overwrite: a node may be executing the old binary right now (ETXTBSY).
  await rename(tmp, to);
}

/** Copies a file (atomically) or a directory tree (file by file, atomically each). */
async function copyTree(from: string, to: string): Promise<void> {
  if (!(await stat(from)).isDirectory()) {
    await copyAtomic(from, to);
    return;
  }
  await mkdir(to, { recursive: true });
  for (const n of await readdir(from)) await copyTree(path.join(from, n), path.join(to, n));
}

export function launcherScript(node: string, nodeArgs: readonly string[], script: string): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const argv = [node, ...nodeArgs, script].map(q).join(' ');
  // $0 tells the plugin where it runs from, hence the node's root (plugin/cni-plugin.ts nodeRootOf).
  return `#!/bin/sh\n# istio-cni CNI plugin (ambient-ts), installed by the istio-cni node agent.\nISTIO_CNI_SELF="$0" exec ${argv} "$@"\n`;
}

export class CniInstaller {
  readonly #o: CniInstallerOptions;
  #installedFiles: string[] = [];
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> = Promise.resolve();
  #confFile: string | undefined;

  constructor(options: CniInstallerOptions) {
    this.#o = options;
  }

  /** The conflist our entry is in (agent's view), once installed. */
  get confFile(): string | undefined {
    return this.#confFile;
  }

  /** Plugin binary, kubeconfig, conflist entry. Throws CniConfigError while the node has no network config yet. */
  async install(): Promise<void> {
    await this.installBinary();
    await mkdir(path.dirname(this.#o.kubeconfig.path), { recursive: true });
    await writeAtomic(this.#o.kubeconfig.path, await this.#o.kubeconfig.content(), 0o600);
    await this.ensureEntry();
  }

  async installBinary(): Promise<void> {
    await mkdir(this.#o.binDir, { recursive: true });
    const p = this.#o.plugin;
    if (p.kind === 'launcher') {
      const target = path.join(this.#o.binDir, PLUGIN_BINARY_NAME);
      await writeAtomic(target, launcherScript(p.node, p.nodeArgs, p.script), 0o755);
      this.#installedFiles = [target];
      return;
    }
    const names = (await readdir(p.dir)).filter((n) => !n.startsWith('.'));
    if (!names.includes(PLUGIN_BINARY_NAME)) {
      throw new CniConfigError(
        `${p.dir} has no ${PLUGIN_BINARY_NAME} executable: is ISTIO_CNI_PLUGIN_DIR right for this image?`,
      );
    }
    this.#installedFiles = [];
    for (const n of names) {
      const target = path.join(this.#o.binDir, n);
      await copyTree(path.join(p.dir, n), target);
      this.#installedFiles.push(target);
    }
  }

  /** Puts our entry into the primary conflist if it is missing or differs; returns whether it wrote. */
  async ensureEntry(): Promise<boolean> {
    const { file, conf } = await this.#readPrimary();
    this.#confFile = file;
    if (hasEntry(conf, this.#o.entry)) return false;
    const target = path.join(this.#o.confDir, conflistFileName(path.basename(file)));
    await writeAtomic(target, serializeConfList(insertIstioCni(conf, this.#o.entry)), 0o644);
    if (target !== file) await unlink(file).catch(() => undefined); // .conf converted to .conflist
    this.#confFile = target;
    this.#o.log.info({ file: target }, 'istio-cni chained into the node CNI configuration');
    return true;
  }

  /** Re-inserts the entry whenever the conf dir changes (and every recheckMs), until the signal aborts. */
  watch(signal: AbortSignal, onError: (err: unknown) => void): void {
    const check = (): void => {
      this.#checking = this.#checking
        .then(() => this.ensureEntry())
        .then(
          () => undefined,
          (err: unknown) => {
            onError(err);
          },
        );
    };
    try {
      this.#watcher = watch(this.#o.confDir, () => {
        check();
      });
      this.#watcher.on('error', () => undefined);
    } catch (err) {
      this.#o.log.warn(
        { dir: this.#o.confDir, err: errorMessage(err) },
        'cannot watch the CNI conf dir; checking on a timer only',
      );
    }
    this.#timer = setInterval(check, this.#o.recheckMs ?? 5_000);
    signal.addEventListener(
      'abort',
      () => {
        this.#stopWatching();
      },
      { once: true },
    );
  }

  /** Takes our entry out of the conflist and removes the plugin files and kubeconfig. */
  async uninstall(): Promise<void> {
    this.#stopWatching();
    await this.#checking;
    try {
      const { file, conf } = await this.#readPrimary();
      if (istioCniEntry(conf) !== undefined) {
        await writeAtomic(file, serializeConfList(removeIstioCni(conf)), 0o644);
        this.#o.log.info({ file }, 'istio-cni removed from the node CNI configuration');
      }
    } catch (err) {
      if (!(err instanceof CniConfigError)) throw err;
    }
    const files =
      this.#installedFiles.length > 0
        ? this.#installedFiles
        : [path.join(this.#o.binDir, PLUGIN_BINARY_NAME)];
    for (const f of [...files, this.#o.kubeconfig.path])
      await rm(f, { force: true, recursive: true });
  }

  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #readPrimary(): Promise<{ file: string; conf: JsonObject }> {
    let names: string[];
    try {
      names = await readdir(this.#o.confDir);
    } catch (err) {
      throw new CniConfigError(
        `cannot read the CNI conf dir ${this.#o.confDir} (${errorMessage(err)}): is /etc/cni/net.d mounted?`,
      );
    }
    const name = this.#o.confName ?? pickPrimaryConfFile(names);
    if (name === undefined || !names.includes(name)) {
      throw new CniConfigError(
        `no CNI network configuration in ${this.#o.confDir}${this.#o.confName ? ` named ${this.#o.confName}` : ''} yet: waiting for the node's network plugin`,
      );
    }
    const file = path.join(this.#o.confDir, name);
    return { file, conf: parseNetworkConfig(await readFile(file, 'utf8'), file) };
  }
}
