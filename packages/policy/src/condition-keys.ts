// The `when` keys AuthorizationPolicy accepts (istio's authz attribute list),
// and which of them ztunnel can enforce at L4.

export type ConditionKey =
  | { readonly kind: 'request.headers'; readonly header: string }
  | { readonly kind: 'request.auth.claims'; readonly claim: readonly string[] }
  | { readonly kind: 'experimental'; readonly key: string }
  | {
      readonly kind:
        | 'source.ip'
        | 'remote.ip'
        | 'source.namespace'
        | 'source.serviceAccount'
        | 'source.principal'
        | 'source.trustDomain'
        | 'request.auth.principal'
        | 'request.auth.audiences'
        | 'request.auth.presenter'
        | 'destination.ip'
        | 'destination.port'
        | 'connection.sni';
    };

/** The keys istiod translates for ztunnel; every other key is an HTTP attribute there. */
export const L4_CONDITION_KEYS: ReadonlySet<string> = new Set([
  'source.ip',
  'source.namespace',
  'source.principal',
  'destination.ip',
  'destination.port',
]);

const PLAIN_KEYS = new Set([
  'source.ip',
  'remote.ip',
  'source.namespace',
  'source.serviceAccount',
  'source.principal',
  'source.trustDomain',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'destination.ip',
  'destination.port',
  'connection.sni',
] as const);

type PlainKind = typeof PLAIN_KEYS extends Set<infer K> ? K : never;

function isPlainKind(key: string): key is PlainKind {
  return (PLAIN_KEYS as ReadonlySet<string>).has(key);
}

/** `[a][b]` → ['a', 'b']; undefined unless the whole text is bracket groups with names. */
function bracketNames(text: string): string[] | undefined {
  const names: string[] = [];
  let rest = text;
  while (rest.length > 0) {
    const match = /^\[([^[\]]+)\]/.exec(rest);
    if (!match?.[1]) return undefined;
    names.push(match[1]);
    rest = rest.slice(match[0].length);
  }
  return names.length > 0 ? names : undefined;
}

/** Reads a `when` key, or says why it is not one. */
export function parseConditionKey(key: string): ConditionKey | { readonly error: string } {
  if (isPlainKind(key)) return { kind: key };
  if (key.startsWith('request.headers')) {
    const names = bracketNames(key.slice('request.headers'.length));
    if (names?.length !== 1 || !names[0] || /\s/.test(names[0])) {
      return { error: `bad key (${key}): should have format request.headers[<header-name>]` };
    }
    return { kind: 'request.headers', header: names[0] };
  }
  if (key.startsWith('request.auth.claims')) {
    const names = bracketNames(key.slice('request.auth.claims'.length));
    if (!names) {
      return { error: `bad key (${key}): should have format request.auth.claims[<claim>]` };
    }
    return { kind: 'request.auth.claims', claim: names };
  }
  if (key.startsWith('experimental.envoy.filters.')) {
    const open = key.indexOf('[');
    if (!key.endsWith(']') || open <= 0 || open >= key.length - 2) {
      return { error: `bad key (${key}): should have format a[b]` };
    }
    return { kind: 'experimental', key };
  }
  if (key === 'destination.namespace') {
    return { error: `attribute ${key} is replaced by the metadata.namespace` };
  }
  if (key.startsWith('destination.labels')) {
    return { error: `attribute ${key} is replaced by the workload selector` };
  }
  if (key === 'destination.name' || key === 'destination.user') {
    return { error: `deprecated attribute ${key}: only supported in v1alpha1` };
  }
  return { error: `unknown attribute: ${key}` };
}
