import type { waypoint } from '@ambient-ts/xds-types';

/**
 * Picks by weight with `random()` in [0, 1). Undefined when nothing can be
 * picked (no backends, or every weight 0); a picked entry may still have no
 * backend (istiod's placeholder for an unresolvable backendRef).
 */
export function pickWeighted(
  backends: readonly waypoint.WeightedBackend[],
  random: () => number,
): waypoint.WeightedBackend | undefined {
  const total = backends.reduce((sum, b) => sum + b.weight, 0);
  if (total === 0) return undefined;
  let point = random() * total;
  for (const b of backends) {
    if (b.weight === 0) continue;
    if (point < b.weight) return b;
    point -= b.weight;
  }
  // random() returned ≥ 1 or rounding left a remainder: the last eligible one.
  return [...backends].reverse().find((b) => b.weight > 0);
}

/** Whether an event with this percentage (0-100) happens for this request. */
export function percentHits(percent: number, random: () => number): boolean {
  return random() * 100 < percent;
}
