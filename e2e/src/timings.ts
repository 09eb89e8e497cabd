// Timings a run reports: how long the binaries took (build or cache hit), the
// cluster start, and the time to all bookinfo pods Ready.
import { formatDuration } from '@ambient-ts/local-cluster';

export type Timings = Record<string, number>;

export function formatTimings(driver: string, t: Timings): string {
  const rows = Object.entries(t).map(
    ([k, ms]) => `  ${k.padEnd(34)} ${formatDuration(ms).padStart(8)}`,
  );
  return [`[e2e ${driver}] timings`, ...rows].join('\n');
}
