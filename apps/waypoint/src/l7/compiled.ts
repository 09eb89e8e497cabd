// The executable form of a WaypointListener, built once by compileListener:
// every matcher parsed, every regex compiled, every duration in ms. It hangs
// off the public CompiledListener through a WeakMap so the public shape stays
// the plain one the I/O layer logs and dumps.

import type { L7Policy, L7StringMatcher, Re2Pattern } from '@ambient-ts/policy';
import type { waypoint } from '@ambient-ts/xds-types';
import type { RetryPlan } from './types.js';

export type PathMatcher =
  | {
      readonly kind: 'exact' | 'prefix';
      readonly value: string;
      readonly ignoreCase: boolean;
    }
  | {
      /** Gateway API PathPrefix: `value` has no trailing `/` ('' for `/`). */
      readonly kind: 'path_prefix';
      readonly value: string;
      readonly ignoreCase: boolean;
    }
  | { readonly kind: 'regex'; readonly regex: Re2Pattern };

export interface HeaderMatcher {
  readonly name: string;
  readonly value: L7StringMatcher;
  readonly invert: boolean;
}

export interface QueryMatcher {
  readonly name: string;
  readonly value: L7StringMatcher;
}

export interface CompiledMatch {
  /** Unset: any path (for prefix rewrites it reads as the prefix `/`). */
  readonly path?: PathMatcher;
  readonly headers: readonly HeaderMatcher[];
  readonly query: readonly QueryMatcher[];
  readonly method?: L7StringMatcher;
}

export interface CompiledFault {
  readonly delay?: { readonly ms: number; readonly percent: number };
  readonly abort?: { readonly status: number; readonly percent: number };
}

export type CompiledAction =
  | { readonly kind: 'forward'; readonly backends: readonly waypoint.WeightedBackend[] }
  | { readonly kind: 'redirect'; readonly redirect: waypoint.Redirect }
  | { readonly kind: 'direct'; readonly status: number; readonly body: string };

export interface CompiledRoute {
  readonly name?: string;
  /** Empty: every request. */
  readonly matches: readonly CompiledMatch[];
  readonly action: CompiledAction;
  readonly requestHeaders?: waypoint.HeaderModifier;
  readonly responseHeaders?: waypoint.HeaderModifier;
  readonly rewrite?: waypoint.UrlRewrite;
  readonly mirrors: readonly { readonly backend: waypoint.Backend; readonly percent: number }[];
  readonly requestTimeoutMs?: number;
  readonly perTryTimeoutMs?: number;
  readonly retry?: RetryPlan;
  readonly fault?: CompiledFault;
}

export interface ListenerInternals {
  readonly policies: readonly L7Policy[];
  readonly routes: readonly CompiledRoute[];
  /** The listener's own service port: the target when nothing routes. */
  readonly ownBackend: waypoint.Backend;
  readonly tcpRoute?: {
    readonly name?: string;
    readonly backends: readonly waypoint.WeightedBackend[];
  };
}
