// Long work shows progress: every step prints what it is doing and how long
// it has been running, so a slow first build or a stuck start is visible.

export type Progress = (message: string) => void;

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s - m * 60)).padStart(2, '0')}s`;
}

/** Prefixes each line with a tag and the time since `startedAt`. */
export function consoleProgress(
  tag = 'local-cluster',
  startedAt = Date.now(),
  write: (line: string) => void = (l) => process.stderr.write(l + '\n'),
): Progress {
  return (message) => {
    write(`[${tag} +${formatDuration(Date.now() - startedAt)}] ${message}`);
  };
}

/** Runs `fn`, printing "<label>…" before and "<label>: done in Xs" after. */
export async function step<T>(progress: Progress, label: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  progress(`${label}…`);
  const result = await fn();
  progress(`${label}: done in ${formatDuration(Date.now() - started)}`);
  return result;
}

export const silentProgress: Progress = () => undefined;
