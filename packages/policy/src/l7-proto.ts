// ambient_ts.waypoint.v1.AuthorizationPolicy → L7Policy, for the waypoint.
// Strict like l4-proto.ts: anything we cannot read exactly (an unset oneof, a
// 5-byte address, an unknown action or condition key, an HTTP attribute on a
// TCP listener, a regex RE2 refuses) rejects the policy, and with it the
// listener, instead of being dropped — a dropped value can silently widen an
// ALLOW or narrow a DENY. Unknown fields are left alone: the config's
// versioning rule announces every narrowing addition in required_features,
// which the listener reader checks.

import { waypoint } from '@ambient-ts/xds-types';
import { parseConditionKey, type ConditionKey } from './condition-keys.js';
import type { ValidationIssue } from './errors.js';
import { fieldPath, indexPath } from './field-reader.js';
import type { Cidr } from './ip.js';
import type { ServiceAccountRef } from './l4-model.js';
import type {
  Field,
  L7Condition,
  L7ConditionValues,
  L7Operation,
  L7Policy,
  L7Rule,
  L7Source,
} from './l7-model.js';
import { asciiLower, stringMatchFromProto, type L7StringMatcher } from './l7-string-match.js';
import type { AuthzAction } from './model.js';
import type { StringMatcher } from './string-match.js';

export type L7ListenerProtocol = 'HTTP' | 'TCP';

/**
 * A waypoint AuthorizationPolicy cannot be executed exactly. `key` is
 * `namespace/name` as sent; `path` is the first offending field (proto field
 * names, e.g. `rules[0].from[1].principals[0]`); `issues` lists all of them.
 */
export class L7PolicyRejectedError extends Error {
  override readonly name = 'L7PolicyRejectedError';
  readonly path: string;
  constructor(
    readonly key: string,
    readonly issues: readonly [ValidationIssue, ...ValidationIssue[]],
  ) {
    super(
      `rejected waypoint AuthorizationPolicy ${key}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    );
    this.path = issues[0].path;
  }
}

const ACTIONS: ReadonlyMap<number, AuthzAction> = new Map([
  [waypoint.Action.ALLOW, 'ALLOW'],
  [waypoint.Action.DENY, 'DENY'],
  [waypoint.Action.AUDIT, 'AUDIT'],
]);

const IP_KEYS = new Set(['source.ip', 'remote.ip', 'destination.ip']);
/** String keys the waypoint can evaluate (the proto's list); anything else is NACKed. */
const STRING_KEY_KINDS = new Set([
  'request.headers',
  'request.auth.claims',
  'source.namespace',
  'source.principal',
  'request.auth.principal',
  'request.auth.audiences',
  'request.auth.presenter',
  'connection.sni',
]);

class Reader {
  readonly issues: ValidationIssue[] = [];
  constructor(readonly tcp: boolean) {}

  add(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  strings(list: readonly waypoint.StringMatch[], path: string): L7StringMatcher[] {
    const out: L7StringMatcher[] = [];
    list.forEach((m, i) => {
      const read = stringMatchFromProto(m);
      if ('error' in read) this.add(indexPath(path, i), read.error);
      else out.push(read);
    });
    return out;
  }

  field(
    values: readonly waypoint.StringMatch[],
    notValues: readonly waypoint.StringMatch[],
    path: string,
    notName: string,
    name: string,
  ): Field<L7StringMatcher> {
    return {
      values: this.strings(values, fieldPath(path, name)),
      notValues: this.strings(notValues, fieldPath(path, notName)),
    };
  }

  cidrs(list: readonly waypoint.Cidr[], path: string): Cidr[] {
    const out: Cidr[] = [];
    list.forEach((c, i) => {
      const at = indexPath(path, i);
      const family = c.address.length === 4 ? 4 : c.address.length === 16 ? 6 : undefined;
      if (!family) {
        this.add(at, `address has ${c.address.length} bytes; expected 4 (IPv4) or 16 (IPv6)`);
      } else if (c.length > (family === 4 ? 32 : 128)) {
        this.add(at, `prefix length ${c.length} is longer than an IPv${family} address`);
      } else out.push({ family, bytes: c.address.slice(), prefixLength: c.length });
    });
    return out;
  }

  ports(list: readonly number[], path: string): number[] {
    list.forEach((p, i) => {
      if (p < 1 || p > 65535) this.add(indexPath(path, i), `${p} is not a port (1-65535)`);
    });
    return [...list];
  }

  serviceAccounts(list: readonly waypoint.ServiceAccount[], path: string): ServiceAccountRef[] {
    return list.map((s, i) => {
      if (s.namespace === '' || s.name === '') {
        this.add(indexPath(path, i), 'namespace and name must both be set');
      }
      return { namespace: s.namespace, serviceAccount: s.name };
    });
  }

  /** HTTP-only lists must be empty on a TCP listener (istiod strips them). */
  httpOnly(path: string, lists: Readonly<Record<string, readonly unknown[]>>): void {
    if (!this.tcp) return;
    for (const [name, list] of Object.entries(lists)) {
      if (list.length > 0) {
        this.add(fieldPath(path, name), 'is an HTTP attribute, but the listener is TCP');
      }
    }
  }

  /**
   * Hosts are compared case-insensitively with the authority (with or
   * without its port); a case-sensitive or regex host match cannot be
   * evaluated that way.
   */
  hosts(list: readonly waypoint.StringMatch[], path: string): StringMatcher[] {
    const out: StringMatcher[] = [];
    this.strings(list, path).forEach((m, i) => {
      const at = indexPath(path, i);
      if (m.kind === 'presence') out.push(m);
      else if (m.kind === 'caseless') out.push({ kind: m.op, value: m.value });
      else if (m.kind === 'regex') this.add(at, 'regex host matches are not supported');
      else if (asciiLower(m.value) === m.value) out.push(m);
      else this.add(at, 'host matches are case-insensitive; set ignore_case');
    });
    return out;
  }

  source(s: waypoint.Source, path: string): L7Source {
    this.httpOnly(path, {
      request_principals: s.requestPrincipals,
      not_request_principals: s.notRequestPrincipals,
      remote_ip_blocks: s.remoteIpBlocks,
      not_remote_ip_blocks: s.notRemoteIpBlocks,
    });
    const at = (name: string): string => fieldPath(path, name);
    return {
      principals: this.field(s.principals, s.notPrincipals, path, 'not_principals', 'principals'),
      requestPrincipals: this.field(
        s.requestPrincipals,
        s.notRequestPrincipals,
        path,
        'not_request_principals',
        'request_principals',
      ),
      namespaces: this.field(s.namespaces, s.notNamespaces, path, 'not_namespaces', 'namespaces'),
      serviceAccounts: {
        values: this.serviceAccounts(s.serviceAccounts, at('service_accounts')),
        notValues: this.serviceAccounts(s.notServiceAccounts, at('not_service_accounts')),
      },
      // The config folds trust domains into principals.
      trustDomains: { values: [], notValues: [] },
      ipBlocks: {
        values: this.cidrs(s.ipBlocks, at('ip_blocks')),
        notValues: this.cidrs(s.notIpBlocks, at('not_ip_blocks')),
      },
      remoteIpBlocks: {
        values: this.cidrs(s.remoteIpBlocks, at('remote_ip_blocks')),
        notValues: this.cidrs(s.notRemoteIpBlocks, at('not_remote_ip_blocks')),
      },
    };
  }

  operation(o: waypoint.Operation, path: string): L7Operation {
    this.httpOnly(path, {
      hosts: o.hosts,
      not_hosts: o.notHosts,
      methods: o.methods,
      not_methods: o.notMethods,
      paths: o.paths,
      not_paths: o.notPaths,
    });
    const at = (name: string): string => fieldPath(path, name);
    return {
      hosts: {
        values: this.hosts(o.hosts, at('hosts')),
        notValues: this.hosts(o.notHosts, at('not_hosts')),
      },
      ports: {
        values: this.ports(o.ports, at('ports')),
        notValues: this.ports(o.notPorts, at('not_ports')),
      },
      methods: this.field(o.methods, o.notMethods, path, 'not_methods', 'methods'),
      paths: this.field(o.paths, o.notPaths, path, 'not_paths', 'paths'),
    };
  }

  /** The value lists a key does not use must be empty, or a constraint would be ignored. */
  unused(c: waypoint.Condition, path: string, used: 'string' | 'ip' | 'port'): void {
    const lists: Record<'string' | 'ip' | 'port', Record<string, readonly unknown[]>> = {
      string: { values: c.values, not_values: c.notValues },
      ip: { ip_values: c.ipValues, not_ip_values: c.notIpValues },
      port: { port_values: c.portValues, not_port_values: c.notPortValues },
    };
    for (const [kind, group] of Object.entries(lists)) {
      if (kind === used) continue;
      for (const [name, list] of Object.entries(group)) {
        if (list.length > 0) {
          this.add(fieldPath(path, name), `is not used with key ${JSON.stringify(c.key)}`);
        }
      }
    }
  }

  condition(c: waypoint.Condition, path: string): L7Condition | undefined {
    const parsed = parseConditionKey(c.key);
    if ('error' in parsed) {
      this.add(fieldPath(path, 'key'), parsed.error);
      return undefined;
    }
    const key: ConditionKey = parsed;
    if (this.tcp && c.key.startsWith('request.')) {
      this.add(fieldPath(path, 'key'), `${c.key} is an HTTP attribute, but the listener is TCP`);
      return undefined;
    }
    let condition: L7ConditionValues;
    if (IP_KEYS.has(key.kind)) {
      this.unused(c, path, 'ip');
      condition = {
        type: 'ip',
        match: {
          values: this.cidrs(c.ipValues, fieldPath(path, 'ip_values')),
          notValues: this.cidrs(c.notIpValues, fieldPath(path, 'not_ip_values')),
        },
      };
    } else if (key.kind === 'destination.port') {
      this.unused(c, path, 'port');
      condition = {
        type: 'port',
        match: {
          values: this.ports(c.portValues, fieldPath(path, 'port_values')),
          notValues: this.ports(c.notPortValues, fieldPath(path, 'not_port_values')),
        },
      };
    } else if (STRING_KEY_KINDS.has(key.kind)) {
      this.unused(c, path, 'string');
      const match = this.field(c.values, c.notValues, path, 'not_values', 'values');
      condition =
        key.kind === 'source.namespace'
          ? { type: 'namespace', match }
          : key.kind === 'request.auth.principal'
            ? { type: 'requestPrincipal', match }
            : { type: 'string', match };
    } else {
      this.add(fieldPath(path, 'key'), `${c.key} is not a condition key the waypoint supports`);
      return undefined;
    }
    return { key, text: c.key, condition };
  }

  rule(r: waypoint.Rule, path: string): L7Rule {
    const when: L7Condition[] = [];
    r.when.forEach((c, i) => {
      const read = this.condition(c, indexPath(fieldPath(path, 'when'), i));
      if (read) when.push(read);
    });
    return {
      from: r.from.map((s, i) => this.source(s, indexPath(fieldPath(path, 'from'), i))),
      to: r.to.map((o, i) => this.operation(o, indexPath(fieldPath(path, 'to'), i))),
      when,
    };
  }
}

/**
 * Reads one policy of a listener with the given protocol. Throws
 * L7PolicyRejectedError (for the NACK) rather than return a policy that lost
 * a constraint.
 */
export function l7PolicyFromProto(
  p: waypoint.AuthorizationPolicy,
  protocol: L7ListenerProtocol,
): L7Policy {
  const reader = new Reader(protocol === 'TCP');
  if (p.name === '') reader.add('name', 'must not be empty');
  if (p.namespace === '') reader.add('namespace', 'must not be empty');
  const action = ACTIONS.get(p.action);
  if (!action) reader.add('action', `${p.action} is not an Action (0 ALLOW, 1 DENY, 2 AUDIT)`);
  const rules = p.rules.map((r, i) => reader.rule(r, indexPath('rules', i)));
  const [first, ...rest] = reader.issues;
  if (first || !action) {
    throw new L7PolicyRejectedError(
      `${p.namespace}/${p.name}`,
      first ? [first, ...rest] : [{ path: 'action', message: 'unreadable' }],
    );
  }
  return { name: p.name, namespace: p.namespace, action, dryRun: p.dryRun, rules };
}
