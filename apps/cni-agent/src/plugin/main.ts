#!/usr/bin/env node
// The `istio-cni` CNI plugin executable: CNI_* in the environment, the network configuration
// on stdin, the result (our prevResult, unchanged) or a CNI error object on stdout.
import { CniPluginError, parseCniArgs, runPlugin, type CniEnv } from './cni-plugin.js';
import { pluginIo } from './io.js';
import { readCniEnv } from './config.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  const raw = readCniEnv();
  const env: CniEnv = { ...raw, args: parseCniArgs(raw.args) };
  const stdin = env.command === 'VERSION' ? '{}' : await readStdin();
  let cniVersion = '1.0.0';
  try {
    cniVersion = (JSON.parse(stdin) as { cniVersion?: string }).cniVersion ?? cniVersion;
  } catch {
    // reported by runPlugin
  }
  try {
    const out = await runPlugin(env, stdin, pluginIo);
    if (out !== undefined) process.stdout.write(`${JSON.stringify(out)}\n`);
    return 0;
  } catch (err) {
    const e =
      err instanceof CniPluginError
        ? err
        : new CniPluginError(999, 'istio-cni: unexpected failure', String(err));
    process.stdout.write(
      `${JSON.stringify({ cniVersion, code: e.code, msg: e.msg, details: e.details })}\n`,
    );
    process.stderr.write(`${e.message}\n`);
    return 1;
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`istio-cni: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
