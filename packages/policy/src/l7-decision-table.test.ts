// The L7 decision table: AuthorizationPolicy YAML (as attached to a waypoint
// through targetRefs) compiled and evaluated against one request each.

import { describe, expect, it } from 'vitest';
import { yamlObjects } from '../test/fixtures.js';
import type { PeerIdentity } from './decision.js';
import { parseL7Policy } from './l7-compile.js';
import { evaluateL7, type L7EvaluationOptions, type L7Request } from './l7-evaluator.js';
import type { L7Policy } from './l7-model.js';

const WEB: PeerIdentity = {
  trustDomain: 'cluster.local',
  namespace: 'frontend',
  serviceAccount: 'web',
};

const BASE_REQUEST: L7Request = {
  sourceIdentity: WEB,
  sourceIp: '10.0.1.5',
  destinationIp: '10.96.0.10',
  destinationPort: 9080,
  method: 'GET',
  path: '/api/v1/items?limit=5',
  host: 'reviews.backend.svc.cluster.local:9080',
  headers: { 'x-user': 'alice', 'User-Agent': 'curl/8' },
};

const JWT = {
  jwtClaims: {
    iss: 'https://issuer.example.com',
    sub: 'alice',
    aud: ['reviews', 'ratings'],
    azp: 'web-app',
    groups: ['dev', 'admin'],
    org: { team: 'payments' },
  },
};

function policies(yaml: string): L7Policy[] {
  return yamlObjects(yaml).map(parseL7Policy);
}

const TARGET = '{kind: Service, name: reviews}';
/** A waypoint policy (targetRefs to the reviews Service) in namespace backend. */
const ap = (spec: string, name = 'p'): string =>
  `metadata: {name: ${name}, namespace: backend}\nspec: {targetRefs: [${TARGET}], ${spec}}\n---\n`;
const allowTo = (op: string): string => ap(`rules: [{to: [{operation: ${op}}]}]`);
const allowFrom = (src: string): string => ap(`rules: [{from: [{source: ${src}}]}]`);
const allowWhen = (cond: string): string => ap(`rules: [{when: [${cond}]}]`);
const denyTo = (op: string): string => ap(`action: DENY, rules: [{to: [{operation: ${op}}]}]`);
const denyWhen = (cond: string): string => ap(`action: DENY, rules: [{when: [${cond}]}]`);

interface Row {
  readonly name: string;
  readonly policies: string;
  readonly request?: Partial<L7Request>;
  readonly allowed: boolean;
  readonly reason?: string | RegExp;
  readonly options?: L7EvaluationOptions;
}

const ROWS: readonly Row[] = [
  // order and empty forms
  { name: 'no policy allows', policies: '', allowed: true, reason: 'no allow policies' },
  {
    name: 'ALLOW with no rules allows nothing',
    policies: ap('action: ALLOW'),
    allowed: false,
    reason: 'allow policies exist, but none allowed',
  },
  {
    name: 'ALLOW rules: [{}] allows all',
    policies: ap('rules: [{}]'),
    allowed: true,
    reason: 'allowed by: backend/p',
  },
  {
    name: 'DENY rules: [{}] denies all',
    policies: ap('action: DENY, rules: [{}]'),
    allowed: false,
    reason: 'explicitly denied by: backend/p',
  },
  {
    name: 'DENY wins over ALLOW',
    policies: ap('rules: [{}]', 'a') + ap('action: DENY, rules: [{}]', 'd'),
    allowed: false,
    reason: 'explicitly denied by: backend/d',
  },
  // methods
  { name: 'methods exact', policies: allowTo('{methods: [GET, HEAD]}'), allowed: true },
  { name: 'methods mismatch', policies: allowTo('{methods: [POST]}'), allowed: false },
  { name: 'notMethods', policies: allowTo('{notMethods: [GET]}'), allowed: false },
  {
    name: 'a lower-case method is a bad request',
    policies: '',
    request: { method: 'get' },
    allowed: false,
    reason: /not upper case/,
  },
  // paths and their normalization
  {
    name: 'paths exact (query ignored)',
    policies: allowTo('{paths: [/api/v1/items]}'),
    allowed: true,
  },
  { name: 'paths prefix', policies: allowTo('{paths: ["/api/*"]}'), allowed: true },
  { name: 'paths suffix', policies: allowTo('{paths: ["*/items"]}'), allowed: true },
  { name: 'paths presence', policies: allowTo('{paths: ["*"]}'), allowed: true },
  { name: 'paths mismatch', policies: allowTo('{paths: ["/admin*"]}'), allowed: false },
  { name: 'notPaths', policies: allowTo('{notPaths: ["/api/*"]}'), allowed: false },
  {
    name: 'a path template {*} matches one segment',
    policies: allowTo('{paths: ["/api/{*}/items"]}'),
    allowed: true,
  },
  {
    name: 'a path template {*} does not span segments',
    policies: allowTo('{paths: ["/{*}/items"]}'),
    allowed: false,
  },
  {
    name: 'a path template {**} matches the rest',
    policies: allowTo('{paths: ["/api/{**}"]}'),
    allowed: true,
  },
  {
    name: 'dot segments are resolved before a DENY',
    policies: denyTo('{paths: ["/admin*"]}'),
    request: { path: '/public/../admin/users' },
    allowed: false,
  },
  {
    name: 'encoded unreserved characters are decoded before a DENY',
    policies: denyTo('{paths: ["/admin*"]}'),
    request: { path: '/%61dmin' },
    allowed: false,
  },
  {
    name: 'backslashes become slashes before a DENY',
    policies: denyTo('{paths: ["/admin*"]}'),
    request: { path: '\\admin' },
    allowed: false,
  },
  {
    name: 'an ALLOW sees only the forwarded path (BASE keeps //)',
    policies: allowTo('{paths: [/admin/x]}'),
    request: { path: '//admin/x' },
    allowed: false,
  },
  {
    name: 'MERGE_SLASHES forwards and allows the merged path',
    policies: allowTo('{paths: [/admin/x]}'),
    request: { path: '//admin/x' },
    options: { pathNormalization: 'MERGE_SLASHES' },
    allowed: true,
  },
  {
    name: '%00 is a bad request',
    policies: ap('rules: [{}]'),
    request: { path: '/a%00b' },
    allowed: false,
    reason: /%00/,
  },
  // hosts
  {
    name: 'hosts compare without the port',
    policies: allowTo('{hosts: [reviews.backend.svc.cluster.local]}'),
    allowed: true,
  },
  { name: 'hosts suffix', policies: allowTo('{hosts: ["*.svc.cluster.local"]}'), allowed: true },
  {
    name: 'a host value with a port needs that port',
    policies: allowTo('{hosts: ["reviews.backend.svc.cluster.local:8080"]}'),
    allowed: false,
  },
  {
    name: 'a host value with a port wildcard',
    policies: allowTo('{hosts: ["reviews.backend.svc.cluster.local:*"]}'),
    allowed: true,
  },
  { name: 'notHosts', policies: allowTo('{notHosts: ["reviews.*"]}'), allowed: false },
  // ports
  { name: 'ports', policies: allowTo('{ports: ["9080"]}'), allowed: true },
  { name: 'notPorts', policies: allowTo('{notPorts: ["9080"]}'), allowed: false },
  // peer identity
  {
    name: 'principals',
    policies: allowFrom('{principals: [cluster.local/ns/frontend/sa/web]}'),
    allowed: true,
  },
  {
    name: 'principals presence without identity',
    policies: allowFrom('{principals: ["*"]}'),
    request: { sourceIdentity: undefined },
    allowed: false,
  },
  {
    name: 'notPrincipals without identity holds',
    policies: allowFrom('{notPrincipals: [cluster.local/ns/x/sa/y]}'),
    request: { sourceIdentity: undefined },
    allowed: true,
  },
  { name: 'namespaces', policies: allowFrom('{namespaces: ["front*"]}'), allowed: true },
  {
    name: 'namespaces with an inner wildcard (Envoy glob)',
    policies: allowFrom('{namespaces: ["f*t*d"]}'),
    allowed: true,
  },
  {
    name: 'namespaces glob mismatch',
    policies: allowFrom('{namespaces: ["f*x*d"]}'),
    allowed: false,
  },
  {
    name: 'serviceAccounts',
    policies: allowFrom('{serviceAccounts: [frontend/web]}'),
    allowed: true,
  },
  {
    name: 'notServiceAccounts',
    policies: allowFrom('{notServiceAccounts: [frontend/web]}'),
    allowed: false,
  },
  { name: 'trustDomains', policies: allowFrom('{trustDomains: [cluster.local]}'), allowed: true },
  {
    name: 'notTrustDomains',
    policies: allowFrom('{notTrustDomains: ["*.local"]}'),
    allowed: false,
  },
  // addresses
  {
    name: 'ipBlocks match the peer address',
    policies: allowFrom('{ipBlocks: ["10.0.0.0/16"]}'),
    allowed: true,
  },
  {
    name: 'ipBlocks ignore X-Forwarded-For',
    policies: allowFrom('{ipBlocks: ["203.0.113.0/24"]}'),
    request: { remoteIp: '203.0.113.9' },
    allowed: false,
  },
  {
    name: 'remoteIpBlocks match the original client',
    policies: allowFrom('{remoteIpBlocks: ["203.0.113.0/24"]}'),
    request: { remoteIp: '203.0.113.9' },
    allowed: true,
  },
  {
    name: 'remoteIpBlocks default to the peer address',
    policies: allowFrom('{remoteIpBlocks: ["10.0.1.5"]}'),
    allowed: true,
  },
  {
    name: 'notRemoteIpBlocks',
    policies: allowFrom('{notRemoteIpBlocks: ["203.0.113.0/24"]}'),
    request: { remoteIp: '203.0.113.9' },
    allowed: false,
  },
  // request principals (JWT)
  {
    name: 'requestPrincipals exact iss/sub',
    policies: allowFrom('{requestPrincipals: [https://issuer.example.com/alice]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'requestPrincipals presence',
    policies: allowFrom('{requestPrincipals: ["*"]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'requestPrincipals without a JWT',
    policies: allowFrom('{requestPrincipals: ["*"]}'),
    allowed: false,
  },
  {
    name: 'requestPrincipals any subject of an issuer',
    policies: allowFrom('{requestPrincipals: ["https://issuer.example.com/*"]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'requestPrincipals one subject of any issuer',
    policies: allowFrom('{requestPrincipals: ["*/alice"]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'requestPrincipals other subject',
    policies: allowFrom('{requestPrincipals: [https://issuer.example.com/bob]}'),
    request: JWT,
    allowed: false,
  },
  {
    name: 'notRequestPrincipals without a JWT holds',
    policies: allowFrom('{notRequestPrincipals: ["*"]}'),
    allowed: true,
  },
  // when
  {
    name: 'when a header, name case-insensitive',
    policies: allowWhen('{key: "request.headers[User-Agent]", values: ["curl/*"]}'),
    allowed: true,
  },
  {
    name: 'when a header notValues',
    policies: allowWhen('{key: "request.headers[x-user]", notValues: [alice]}'),
    allowed: false,
  },
  {
    name: 'when a missing header',
    policies: allowWhen('{key: "request.headers[x-missing]", values: ["*"]}'),
    allowed: false,
  },
  {
    name: 'a duplicated header cannot slip past a DENY',
    policies: denyWhen('{key: "request.headers[x-user]", values: [admin]}'),
    request: { headers: { 'x-user': ['guest', 'admin'] } },
    allowed: false,
  },
  {
    name: 'a duplicated header must satisfy an ALLOW in every reading',
    policies: allowWhen('{key: "request.headers[x-user]", values: ["admin*"]}'),
    request: { headers: { 'x-user': ['admin', 'guest'] } },
    allowed: false,
  },
  {
    name: 'when request.auth.claims list membership',
    policies: allowWhen('{key: "request.auth.claims[groups]", values: [admin]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'when nested claims',
    policies: allowWhen('{key: "request.auth.claims[org][team]", values: [payments]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'when claims notValues',
    policies: allowWhen('{key: "request.auth.claims[groups]", notValues: [admin]}'),
    request: JWT,
    allowed: false,
  },
  {
    name: 'when request.auth.audiences',
    policies: allowWhen('{key: request.auth.audiences, values: [ratings]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'when request.auth.presenter',
    policies: allowWhen('{key: request.auth.presenter, values: [other]}'),
    request: JWT,
    allowed: false,
  },
  {
    name: 'when request.auth.principal',
    policies: allowWhen('{key: request.auth.principal, values: ["*/alice"]}'),
    request: JWT,
    allowed: true,
  },
  {
    name: 'when source.serviceAccount',
    policies: allowWhen('{key: source.serviceAccount, values: [frontend/web]}'),
    allowed: true,
  },
  {
    name: 'when source.trustDomain',
    policies: allowWhen('{key: source.trustDomain, notValues: [cluster.local]}'),
    allowed: false,
  },
  {
    name: 'when remote.ip',
    policies: allowWhen('{key: remote.ip, values: ["203.0.113.0/24"]}'),
    request: { remoteIp: '203.0.113.9' },
    allowed: true,
  },
  {
    name: 'when destination.port',
    policies: allowWhen('{key: destination.port, values: ["9080"]}'),
    allowed: true,
  },
  {
    name: 'when connection.sni',
    policies: allowWhen('{key: connection.sni, values: ["*.example.com"]}'),
    request: { sni: 'api.example.com' },
    allowed: true,
  },
  {
    name: 'when connection.sni absent',
    policies: allowWhen('{key: connection.sni, values: ["*"]}'),
    allowed: false,
  },
  {
    name: 'an Envoy filter key cannot satisfy an ALLOW',
    policies: allowWhen('{key: "experimental.envoy.filters.a.b[c]", values: [x]}'),
    allowed: false,
  },
  {
    name: 'an Envoy filter key makes a DENY hold',
    policies: denyWhen('{key: "experimental.envoy.filters.a.b[c]", values: [x]}'),
    allowed: false,
  },
  // combining
  {
    name: 'from, to and when are ANDed',
    policies: ap(
      'rules: [{from: [{source: {namespaces: [frontend]}}], to: [{operation: {methods: [GET]}}], when: [{key: destination.port, values: ["1"]}]}]',
    ),
    allowed: false,
  },
  {
    name: 'fields of one operation are ANDed',
    policies: allowTo('{methods: [GET], paths: [/other]}'),
    allowed: false,
  },
  {
    name: 'operations are ORed',
    policies: ap(
      'rules: [{to: [{operation: {methods: [POST]}}, {operation: {paths: ["/api/*"]}}]}]',
    ),
    allowed: true,
  },
  // other actions
  {
    name: 'a matching CUSTOM policy denies (ext-authz unsupported)',
    policies: ap(
      'action: CUSTOM, provider: {name: ext}, rules: [{to: [{operation: {paths: ["/api/*"]}}]}]',
    ),
    allowed: false,
    reason: /CUSTOM \(ext-authz\) policy backend\/p matched/,
  },
  {
    name: 'a non-matching CUSTOM policy is ignored',
    policies: ap(
      'action: CUSTOM, provider: {name: ext}, rules: [{to: [{operation: {paths: ["/admin*"]}}]}]',
    ),
    allowed: true,
  },
  {
    name: 'AUDIT never decides',
    policies: ap('action: AUDIT, rules: [{}]'),
    allowed: true,
    reason: 'no allow policies',
  },
];

describe('L7 decisions (waypoint)', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', (_name, row) => {
    const decision = evaluateL7(
      policies(row.policies),
      { ...BASE_REQUEST, ...row.request },
      row.options,
    );
    expect(decision.allowed).toBe(row.allowed);
    if (typeof row.reason === 'string') expect(decision.reason).toBe(row.reason);
    else if (row.reason) expect(decision.reason).toMatch(row.reason);
  });
});

describe('L7 reporting', () => {
  it('lists matching AUDIT policies', () => {
    expect(
      evaluateL7(policies(ap('action: AUDIT, rules: [{}]', 'audit')), BASE_REQUEST).audited,
    ).toEqual(['backend/audit']);
  });

  it('reports a dry-run DENY without enforcing it', () => {
    const [obj] = yamlObjects(`
metadata: {name: trial, namespace: backend, annotations: {istio.io/dry-run: "true"}}
spec: {targetRefs: [${TARGET}], action: DENY, rules: [{}]}
`);
    expect(evaluateL7([parseL7Policy(obj)], BASE_REQUEST)).toEqual({
      allowed: true,
      reason: 'no allow policies',
      dryRun: {
        allowed: false,
        reason: 'explicitly denied by: backend/trial',
        matchedPolicy: 'backend/trial',
      },
    });
  });

  it('marks malformed requests as bad requests', () => {
    expect(evaluateL7([], { ...BASE_REQUEST, headers: { 'bad name': 'x' } })).toMatchObject({
      allowed: false,
      badRequest: 'header name "bad name" is not valid',
    });
  });
});
