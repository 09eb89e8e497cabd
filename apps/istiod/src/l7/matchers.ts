// Value matchers in the waypoint config: policy spellings (`*`, `prefix*`,
// `*suffix`, exact), globs and path templates compiled to StringMatch/RE2
// regexes, so the waypoint only evaluates.

import { create } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';

/** Escapes RE2 metacharacters. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

export function exactMatch(value: string, ignoreCase = false): waypoint.StringMatch {
  return create(waypoint.StringMatchSchema, { kind: { case: 'exact', value }, ignoreCase });
}

export function regexMatch(value: string): waypoint.StringMatch {
  return create(waypoint.StringMatchSchema, { kind: { case: 'regex', value } });
}

export const MATCH_NOTHING_REGEX = '[^\\s\\S]';

/** `*` → presence, `*x` → suffix, `x*` → prefix, else exact (istio policy string forms). */
export function policyStringMatch(value: string, ignoreCase = false): waypoint.StringMatch {
  if (value === '*')
    return create(waypoint.StringMatchSchema, {
      kind: { case: 'presence', value: {} },
      ignoreCase,
    });
  if (value.startsWith('*')) {
    return create(waypoint.StringMatchSchema, {
      kind: { case: 'suffix', value: value.slice(1) },
      ignoreCase,
    });
  }
  if (value.endsWith('*')) {
    return create(waypoint.StringMatchSchema, {
      kind: { case: 'prefix', value: value.slice(0, -1) },
      ignoreCase,
    });
  }
  return exactMatch(value, ignoreCase);
}

/** Namespace values: the four forms, and any other `*` as a glob (Envoy reads it so). */
export function namespaceMatch(value: string): waypoint.StringMatch {
  const parts = value.split('*');
  const simple =
    parts.length === 1 || (parts.length === 2 && (value.startsWith('*') || value.endsWith('*')));
  return simple ? policyStringMatch(value) : regexMatch(parts.map(escapeRegex).join('.*'));
}

/** Whether a path value uses `{*}` / `{**}` templates. */
export function isPathTemplate(value: string): boolean {
  return value.includes('{*}') || value.includes('{**}');
}

/** Path values: templates to regex (`{*}` one segment, `{**}` the rest), else the four forms. */
export function pathMatch(value: string): waypoint.StringMatch {
  if (!isPathTemplate(value)) return policyStringMatch(value);
  const regex = value
    .split(/(\{\*\*\}|\{\*\})/)
    .map((part) => (part === '{**}' ? '.*' : part === '{*}' ? '[^/]+' : escapeRegex(part)))
    .join('');
  return regexMatch(regex);
}
