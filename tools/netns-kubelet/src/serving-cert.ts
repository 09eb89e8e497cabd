// Like kubelet without --tls-cert-file, the node serves :10250 with a self-signed certificate
// for its name and IP, made once with openssl and kept in the state dir.
import { access, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner } from './commands.js';

export async function selfSignedCert(
  stateDir: string,
  nodeName: string,
  nodeIP: string,
  run: CommandRunner,
): Promise<{ cert: Buffer; key: Buffer }> {
  const dir = path.join(stateDir, 'pki');
  const cert = path.join(dir, 'kubelet.crt');
  const key = path.join(dir, 'kubelet.key');
  const exists = await access(cert).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await run([
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '365',
      '-subj',
      `/CN=${nodeName}@netns-kubelet`,
      '-addext',
      `subjectAltName=DNS:${nodeName},IP:${nodeIP}`,
      '-keyout',
      key,
      '-out',
      cert,
    ]);
  }
  return { cert: await readFile(cert), key: await readFile(key) };
}
