// YAML as Go's sigs.k8s.io/yaml writes it (what istioctl prints): the value
// goes through JSON, so map keys come out sorted and undefined fields are
// dropped; sequences are not indented under their key; strings that YAML 1.1
// would read as another type (yes, on, 1.0, 0777) are quoted.

import { stringify } from 'yaml';

export function goYaml(value: unknown): string {
  return stringify(sortKeys(value), { version: '1.1', indentSeq: false, lineWidth: 0 });
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, sortKeys(v)]),
    );
  }
  return value;
}
