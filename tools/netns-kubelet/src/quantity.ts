// Kubernetes resource quantities ("500m", "128Mi", "1e3") as numbers, for the downward API's
// resourceFieldRef, which reports ceil(value / divisor) as kubelet does.

const binary: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const decimal: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+)(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(
    q.trim(),
  );
  if (!m?.[1]) throw new TypeError(`not a resource quantity: ${JSON.stringify(q)}`);
  const base = Number(m[1]);
  if (!Number.isFinite(base)) throw new TypeError(`not a resource quantity: ${JSON.stringify(q)}`);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  return base * (binary[suffix] ?? decimal[suffix] ?? 1);
}

/** ceil(value/divisor) with a tolerance for float noise, at least 1 when the value is > 0 (kubelet rounds CPU up). */
export function divideQuantity(
  value: string | number,
  divisor: string | number | undefined,
): string {
  const v = parseQuantity(value);
  const d = divisor === undefined || divisor === '' ? 1 : parseQuantity(divisor);
  if (d <= 0) throw new TypeError(`divisor must be positive, got ${String(divisor)}`);
  const r = v / d;
  return String(Math.ceil(r - 1e-9));
}
