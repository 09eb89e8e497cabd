// Small statistics helpers for benchmark samples.

/** The q-quantile (0..1) of samples, by the nearest-rank method. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return quantile(samples, 0.5);
}

/** Bits per second, as Gb/s, for `bytes` moved in `ms` milliseconds. */
export function gbitPerSecond(bytes: number, ms: number): number {
  return (bytes * 8) / (ms / 1000) / 1e9;
}
