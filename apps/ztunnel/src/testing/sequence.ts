// A deterministic stand-in for Math.random in routing tests.

/** A deterministic [0, 1) sequence. */
export function sequence(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}
