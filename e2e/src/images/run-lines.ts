// Runs a host command, handing each output line to a callback as it comes (long
// steps show progress) and keeping the last lines for the error that says what failed.
import { spawn } from 'node:child_process';

export class CommandFailedError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly exitCode: number,
    readonly tail: string,
  ) {
    super(`${argv.join(' ')} exited with ${exitCode}${tail ? `:\n${tail}` : ''}`);
    this.name = 'CommandFailedError';
  }
}

export interface LineRunOptions {
  readonly onLine?: (line: string) => void;
  readonly cwd?: string;
}

/** Resolves with stdout; rejects with CommandFailedError (or the spawn error, e.g. ENOENT). */
export function runLines(argv: readonly string[], opts: LineRunOptions = {}): Promise<string> {
  const [file, ...args] = argv;
  if (!file) throw new TypeError('empty argv');
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const tail: string[] = [];
    const splitter = (): ((d: Buffer) => void) => {
      let rest = '';
      return (d) => {
        const lines = (rest + d.toString('utf8')).split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) {
          tail.push(l);
          if (tail.length > 20) tail.shift();
          opts.onLine?.(l);
        }
      };
    };
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stdout.on('data', splitter());
    child.stderr.on('data', splitter());
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new CommandFailedError(argv, code ?? -1, tail.join('\n')));
    });
  });
}
