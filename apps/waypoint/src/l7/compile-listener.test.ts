// compileListener accepts what istiod emits and NACKs (ListenerRejectedError
// with the field path) everything waypoint.proto says an executor must not run.

import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { waypoint } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { compileListener } from './compile-listener.js';
import { ListenerRejectedError } from './errors.js';
import {
  backend,
  forwardTo,
  listener,
  NAME,
  type ListenerInit,
  type RouteInit,
} from './test-fixtures.js';

const ms = (n: number) => ({
  seconds: BigInt(Math.floor(n / 1000)),
  nanos: (n % 1000) * 1_000_000,
});
const route = (init: RouteInit): ListenerInit => ({
  httpRoutes: [{ name: 'r', action: forwardTo('reviews'), ...init }],
});

function rejection(init: ListenerInit, name = NAME): ListenerRejectedError {
  try {
    compileListener(name, listener(init));
  } catch (err) {
    if (err instanceof ListenerRejectedError) return err;
    throw err;
  }
  throw new Error('the listener was accepted');
}

describe('compileListener: NACKs', () => {
  const cases: readonly {
    name: string;
    init: ListenerInit;
    field: string;
    detail: RegExp;
    resource?: string;
  }[] = [
    {
      name: 'a required feature',
      init: { requiredFeatures: ['header-regex-v2'] },
      field: 'required_features[0]',
      detail: /"header-regex-v2" is not implemented/,
    },
    {
      name: 'PROTOCOL_UNSPECIFIED',
      init: { protocol: waypoint.Protocol.PROTOCOL_UNSPECIFIED },
      field: 'protocol',
      detail: /PROTOCOL_UNSPECIFIED/,
    },
    {
      name: 'an empty namespace',
      init: { serviceNamespace: '' },
      field: 'service_namespace',
      detail: /must not be empty/,
    },
    { name: 'port 0', init: { port: 0 }, field: 'port', detail: /0 is not a port/ },
    {
      name: 'a resource name for another service',
      init: {},
      field: '(resource name)',
      detail: /bookinfo\/reviews/,
      resource: 'bookinfo/ratings.bookinfo.svc.cluster.local:9080',
    },
    {
      name: 'a TCP listener with HTTP routes',
      init: { protocol: waypoint.Protocol.TCP, httpRoutes: [{ action: forwardTo('x') }] },
      field: 'http_routes',
      detail: /TCP listener/,
    },
    {
      name: 'an HTTP listener with a TCP route',
      init: { tcpRoute: { backends: [] } },
      field: 'tcp_route',
      detail: /HTTP listener/,
    },
    {
      name: 'an HTTP-only policy part on a TCP listener',
      init: {
        protocol: waypoint.Protocol.TCP,
        policies: [
          {
            name: 'p',
            namespace: 'ns',
            rules: [{ to: [{ methods: [{ kind: { case: 'exact', value: 'GET' } }] }] }],
          },
        ],
      },
      field: 'policies[0].rules[0].to[0].methods',
      detail: /HTTP attribute.*ns\/p/,
    },
    {
      name: 'an unknown condition key',
      init: {
        policies: [{ name: 'p', namespace: 'ns', rules: [{ when: [{ key: 'request.time' }] }] }],
      },
      field: 'policies[0].rules[0].when[0].key',
      detail: /unknown attribute/,
    },
    {
      name: 'a bad policy regex',
      init: {
        policies: [
          {
            name: 'p',
            namespace: 'ns',
            rules: [{ to: [{ paths: [{ kind: { case: 'regex', value: '[' } }] }] }],
          },
        ],
      },
      field: 'policies[0].rules[0].to[0].paths[0]',
      detail: /invalid RE2/,
    },
    {
      name: 'a route without an action',
      init: { httpRoutes: [{ name: 'r' }] },
      field: 'http_routes[0].action',
      detail: /no action/,
    },
    {
      name: 'a path match without a kind',
      init: route({ matches: [{ path: {} }] }),
      field: 'http_routes[0].matches[0].path',
      detail: /no path match kind/,
    },
    {
      name: 'a bad path regex',
      init: route({ matches: [{ path: { kind: { case: 'regex', value: '/(a' } } }] }),
      field: 'http_routes[0].matches[0].path.regex',
      detail: /invalid RE2/,
    },
    {
      name: 'a header regex RE2 refuses (backreference)',
      init: route({
        matches: [
          { headers: [{ name: 'x', value: { kind: { case: 'regex', value: '(a)\\1' } } }] },
        ],
      }),
      field: 'http_routes[0].matches[0].headers[0].value',
      detail: /invalid RE2/,
    },
    {
      name: 'a header match without a value',
      init: route({ matches: [{ headers: [{ name: 'x' }] }] }),
      field: 'http_routes[0].matches[0].headers[0].value',
      detail: /must be set/,
    },
    {
      name: 'an upper-case header name',
      init: route({
        matches: [
          { headers: [{ name: 'X-User', value: { kind: { case: 'exact', value: 'a' } } }] },
        ],
      }),
      field: 'http_routes[0].matches[0].headers[0].name',
      detail: /lower-case/,
    },
    {
      name: 'an unknown pseudo-header',
      init: route({
        matches: [
          { headers: [{ name: ':protocol', value: { kind: { case: 'exact', value: 'a' } } }] },
        ],
      }),
      field: 'http_routes[0].matches[0].headers[0].name',
      detail: /pseudo-header/,
    },
    {
      name: 'a query match without a name',
      init: route({
        matches: [{ queryParams: [{ value: { kind: { case: 'exact', value: 'a' } } }] }],
      }),
      field: 'http_routes[0].matches[0].query_params[0].name',
      detail: /must not be empty/,
    },
    {
      name: 'a method match without a kind',
      init: route({ matches: [{ method: {} }] }),
      field: 'http_routes[0].matches[0].method',
      detail: /no match kind/,
    },
    {
      name: 'a redirect status of 200',
      init: { httpRoutes: [{ action: { case: 'redirect', value: { statusCode: 200 } } }] },
      field: 'http_routes[0].redirect.status_code',
      detail: /200 is not a redirect status/,
    },
    {
      name: 'a redirect status of 0 (unset)',
      init: { httpRoutes: [{ action: { case: 'redirect', value: {} } }] },
      field: 'http_routes[0].redirect.status_code',
      detail: /0 is not/,
    },
    {
      name: 'a redirect hostname with a path',
      init: {
        httpRoutes: [
          { action: { case: 'redirect', value: { statusCode: 301, hostname: 'a.com/x' } } },
        ],
      },
      field: 'http_routes[0].redirect.hostname',
      detail: /not a host name/,
    },
    {
      name: 'a redirect port above 65535',
      init: {
        httpRoutes: [{ action: { case: 'redirect', value: { statusCode: 301, port: 65536 } } }],
      },
      field: 'http_routes[0].redirect.port',
      detail: /65536 is not a port/,
    },
    {
      name: 'a rewrite hostname with whitespace',
      init: route({ rewrite: { hostname: 'a b' } }),
      field: 'http_routes[0].rewrite.hostname',
      detail: /not an authority/,
    },
    {
      name: 'a rewrite prefix not starting with /',
      init: route({ rewrite: { path: { case: 'replacePrefixMatch', value: 'x' } } }),
      field: 'http_routes[0].rewrite.replace_prefix_match',
      detail: /does not start with \//,
    },
    {
      name: 'a per-try timeout beyond the Duration range',
      init: route({ timeouts: { perTry: { seconds: 315_576_000_001n } } }),
      field: 'http_routes[0].timeouts.per_try',
      detail: /longer than 10000 years/,
    },
    {
      name: 'a redirect scheme ftp',
      init: {
        httpRoutes: [{ action: { case: 'redirect', value: { statusCode: 301, scheme: 'ftp' } } }],
      },
      field: 'http_routes[0].redirect.scheme',
      detail: /not http or https/,
    },
    {
      name: 'a redirect prefix replacement after a regex match',
      init: {
        httpRoutes: [
          {
            matches: [{ path: { kind: { case: 'regex', value: '/a.*' } } }],
            action: {
              case: 'redirect',
              value: { statusCode: 302, path: { case: 'replacePrefixMatch', value: '/b' } },
            },
          },
        ],
      },
      field: 'http_routes[0].redirect.replace_prefix_match',
      detail: /regex match has no prefix/,
    },
    {
      name: 'a rewrite full path not starting with /',
      init: route({ rewrite: { path: { case: 'replaceFullPath', value: 'x' } } }),
      field: 'http_routes[0].rewrite.replace_full_path',
      detail: /does not start with \//,
    },
    {
      name: 'a rewrite on a redirect',
      init: {
        httpRoutes: [
          { action: { case: 'redirect', value: { statusCode: 301 } }, rewrite: { hostname: 'x' } },
        ],
      },
      field: 'http_routes[0].rewrite',
      detail: /only allowed with forward/,
    },
    {
      name: 'mirrors on a direct response',
      init: {
        httpRoutes: [
          {
            action: { case: 'directResponse', value: { status: 200 } },
            mirrors: [{ backend: backend('m') }],
          },
        ],
      },
      field: 'http_routes[0].mirrors',
      detail: /only allowed with forward/,
    },
    {
      name: 'a direct response status of 99',
      init: { httpRoutes: [{ action: { case: 'directResponse', value: { status: 99 } } }] },
      field: 'http_routes[0].direct_response.status',
      detail: /99 is not an HTTP status/,
    },
    {
      name: 'a backend without a hostname',
      init: {
        httpRoutes: [
          {
            action: {
              case: 'forward',
              value: { backends: [{ backend: { namespace: 'ns', port: 80 }, weight: 1 }] },
            },
          },
        ],
      },
      field: 'http_routes[0].forward.backends[0].backend.hostname',
      detail: /must not be empty/,
    },
    {
      name: 'a backend port above 65535',
      init: {
        httpRoutes: [
          {
            action: {
              case: 'forward',
              value: {
                backends: [{ backend: { namespace: 'ns', hostname: 'h', port: 70000 }, weight: 1 }],
              },
            },
          },
        ],
      },
      field: 'http_routes[0].forward.backends[0].backend.port',
      detail: /70000 is not a port/,
    },
    {
      name: 'a mirror without a backend',
      init: route({ mirrors: [{}] }),
      field: 'http_routes[0].mirrors[0].backend',
      detail: /must be set/,
    },
    {
      name: 'a mirror percentage above 100',
      init: route({ mirrors: [{ backend: backend('m'), percentage: { value: 101 } }] }),
      field: 'http_routes[0].mirrors[0].percentage.value',
      detail: /101 is not a percentage/,
    },
    {
      name: 'a header modifier on host',
      init: route({ requestHeaders: { set: [{ name: 'host', value: 'x' }] } }),
      field: 'http_routes[0].request_headers.set[0].name',
      detail: /may not be modified/,
    },
    {
      name: 'a header modifier on a pseudo-header',
      init: route({ responseHeaders: { remove: [':status'] } }),
      field: 'http_routes[0].response_headers.remove[0]',
      detail: /may not be modified/,
    },
    {
      name: 'a header value with CRLF',
      init: route({ requestHeaders: { add: [{ name: 'x', value: 'a\r\nb: c' }] } }),
      field: 'http_routes[0].request_headers.add[0].value',
      detail: /CR, LF/,
    },
    {
      name: 'a backend header modifier with an upper-case name',
      init: {
        httpRoutes: [
          {
            action: {
              case: 'forward',
              value: {
                backends: [
                  {
                    backend: backend('a'),
                    weight: 1,
                    responseHeaders: { set: [{ name: 'X-A', value: '1' }] },
                  },
                ],
              },
            },
          },
        ],
      },
      field: 'http_routes[0].forward.backends[0].response_headers.set[0].name',
      detail: /lower-case/,
    },
    {
      name: 'an unknown retry_on token',
      init: route({ retry: { attempts: 2, retryOn: ['5xx', 'retriable-headers'] } }),
      field: 'http_routes[0].retry.retry_on[1]',
      detail: /unknown retry condition "retriable-headers"/,
    },
    {
      name: 'a retriable status code of 600',
      init: route({
        retry: { attempts: 2, retryOn: ['retriable-status-codes'], retriableStatusCodes: [600] },
      }),
      field: 'http_routes[0].retry.retriable_status_codes[0]',
      detail: /600/,
    },
    {
      name: 'a zero backoff',
      init: route({ retry: { attempts: 1, backoffBaseInterval: ms(0) } }),
      field: 'http_routes[0].retry.backoff_base_interval',
      detail: /positive/,
    },
    {
      name: 'a negative timeout',
      init: route({ timeouts: { request: { seconds: -1n } } }),
      field: 'http_routes[0].timeouts.request',
      detail: /non-negative/,
    },
    {
      name: 'a fault delay without a duration',
      init: route({ fault: { delay: {} } }),
      field: 'http_routes[0].fault.delay.fixed_delay',
      detail: /must be set/,
    },
    {
      name: 'a fault abort status of 0',
      init: route({ fault: { abort: {} } }),
      field: 'http_routes[0].fault.abort.http_status',
      detail: /0 is not an HTTP status/,
    },
    {
      name: 'a fault percentage that is NaN',
      init: route({ fault: { abort: { httpStatus: 503, percentage: { value: Number.NaN } } } }),
      field: 'http_routes[0].fault.abort.percentage.value',
      detail: /not a percentage/,
    },
    {
      name: 'a TCP route backend without a port',
      init: {
        protocol: waypoint.Protocol.TCP,
        tcpRoute: { backends: [{ backend: { namespace: 'a', hostname: 'b' }, weight: 1 }] },
      },
      field: 'tcp_route.backends[0].backend.port',
      detail: /not a port/,
    },
  ];

  it.each(cases)('$name', ({ init, field, detail, resource }) => {
    const err = rejection(init, resource);
    expect(err.field).toBe(field);
    expect(err.resource).toBe(resource ?? NAME);
    expect(err.message).toMatch(detail);
    expect(err.message).toContain(`${resource ?? NAME}: ${field}: `);
  });

  it('NACKs a protocol number it does not know (open enum off the wire)', () => {
    const bytes = toBinary(waypoint.WaypointListenerSchema, listener());
    const sent = fromBinary(waypoint.WaypointListenerSchema, new Uint8Array([...bytes, 0x20, 7])); // field 4 = 7
    expect(() => compileListener(NAME, sent)).toThrow(/protocol: 7 is not a Protocol/);
  });
});

describe('compileListener: accepted listeners', () => {
  it('keeps the identity fields and the source for config dumps', () => {
    const src = listener(route({ matches: [{ path: { kind: { case: 'exact', value: '/' } } }] }));
    const c = compileListener(NAME, src);
    expect(c).toEqual({
      name: NAME,
      serviceNamespace: 'bookinfo',
      serviceHostname: 'reviews.bookinfo.svc.cluster.local',
      port: 9080,
      protocol: 'HTTP',
      source: src,
    });
  });

  it('accepts a weighted backend without a backend (istiod’s unresolved placeholder)', () => {
    const init: ListenerInit = {
      httpRoutes: [{ action: { case: 'forward', value: { backends: [{ weight: 1 }] } } }],
    };
    expect(() => compileListener(NAME, listener(init))).not.toThrow();
  });

  it('accepts every retry_on token of the proto', () => {
    const tokens = [
      '5xx',
      'gateway-error',
      'reset',
      'connect-failure',
      'refused-stream',
      'retriable-status-codes',
      'retriable-4xx',
      'cancelled',
      'deadline-exceeded',
      'internal',
      'resource-exhausted',
      'unavailable',
    ];
    expect(() =>
      compileListener(NAME, listener(route({ retry: { attempts: 1, retryOn: tokens } }))),
    ).not.toThrow();
  });

  it.each([301, 302, 303, 307, 308])('accepts redirect status %i', (statusCode) => {
    const init: ListenerInit = {
      httpRoutes: [{ action: { case: 'redirect', value: { statusCode } } }],
    };
    expect(() => compileListener(NAME, listener(init))).not.toThrow();
  });
});
