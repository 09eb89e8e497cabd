// Request and error lines go to stdout; reviews also keeps them under LOG_DIR, where the
// upstream image's server writes its messages.log (the manifests mount an emptyDir there).
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Log } from './http-server.js';

export function stdoutLog(app: string): Log {
  return (line) => {
    process.stdout.write(`${new Date().toISOString()} ${app} ${line}\n`);
  };
}

/** `base`, plus an append to `<dir>/messages.log`; a directory we cannot create is reported once and skipped. */
export function withLogDir(base: Log, dir: string | undefined): Log {
  if (dir === undefined) return base;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    base(`LOG_DIR ${dir} is not usable, logging to stdout only: ${String(err)}`);
    return base;
  }
  const file = createWriteStream(path.join(dir, 'messages.log'), { flags: 'a' });
  file.on('error', (err) => {
    base(`writing ${dir}/messages.log failed: ${err.message}`);
  });
  return (line) => {
    base(line);
    if (file.writable) file.write(`${new Date().toISOString()} ${line}\n`);
  };
}
