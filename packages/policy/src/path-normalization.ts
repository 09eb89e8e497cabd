// Request-path normalization before L7 authorization, as istio configures
// Envoy (MeshConfig pathNormalization; istio docs "Authorization Policy
// Normalization"). The normalized path is what policies see and what the
// backend receives.
//
//   NONE                      no change (besides dropping query and fragment)
//   BASE (istio's default)    decode %-escapes of unreserved characters
//                             (A-Z a-z 0-9 - . _ ~), `\` → `/`, resolve `.`/`..`
//   MERGE_SLASHES             BASE, then `//` → `/`
//   DECODE_AND_MERGE_SLASHES  decode %2F %5C first, then MERGE_SLASHES
//
// Always: a path with %00 is rejected (400); `?query` is not part of the path
// matched; a `#fragment` is stripped (CVE-2021-39156); a path must start
// with `/`.

export type PathNormalization = 'NONE' | 'BASE' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

export type NormalizedPath =
  | { readonly ok: true; readonly path: string; readonly query: string }
  | { readonly ok: false; readonly reason: string };

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : escape;
  });
}

/** RFC 3986 §5.2.4 remove_dot_segments, for a path starting with `/`. */
function removeDotSegments(path: string): string {
  let input = path;
  let output = '';
  while (input.length > 0) {
    if (input.startsWith('../')) input = input.slice(3);
    else if (input.startsWith('./')) input = input.slice(2);
    else if (input.startsWith('/./')) input = input.slice(2);
    else if (input === '/.') input = '/';
    else if (input.startsWith('/../') || input === '/..') {
      input = input === '/..' ? '/' : input.slice(3);
      output = output.slice(0, Math.max(0, output.lastIndexOf('/')));
    } else if (input === '.' || input === '..') input = '';
    else {
      const next = input.indexOf('/', 1);
      const end = next < 0 ? input.length : next;
      output += input.slice(0, end);
      input = input.slice(end);
    }
  }
  return output;
}

export function normalizeRequestPath(
  target: string,
  mode: PathNormalization = 'BASE',
): NormalizedPath {
  const hash = target.indexOf('#');
  const withoutFragment = hash < 0 ? target : target.slice(0, hash);
  const q = withoutFragment.indexOf('?');
  let path = q < 0 ? withoutFragment : withoutFragment.slice(0, q);
  const query = q < 0 ? '' : withoutFragment.slice(q + 1);
  if (/%00/.test(path)) return { ok: false, reason: 'the request path contains %00' };
  if (mode !== 'NONE') {
    if (mode === 'DECODE_AND_MERGE_SLASHES')
      path = path.replace(/%2f/gi, '/').replace(/%5c/gi, '\\');
    path = decodeUnreserved(path).replace(/\\/g, '/');
  }
  if (!path.startsWith('/')) return { ok: false, reason: 'the request path must start with /' };
  if (mode === 'NONE') return { ok: true, path, query };
  path = removeDotSegments(path);
  if (mode !== 'BASE') path = path.replace(/\/{2,}/g, '/');
  return { ok: true, path: path === '' ? '/' : path, query };
}
