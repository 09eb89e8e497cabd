// client-go's wording of failed calls, because upstream istioctl prints it
// inside its own messages ("failed to get namespace x: <this>"): the
// server's Status message when there is one, otherwise a generic sentence
// naming the verb and resource, and Go's url.Error form when the server was
// never reached.

import http from 'node:http';
import { KubeApiError } from './kube-client.js';

export interface RequestDescription {
  readonly method: string;
  readonly url: string;
  /** `gateways.gateway.networking.k8s.io`, `namespaces`; absent for raw paths. */
  readonly resource?: string;
  readonly name?: string;
}

const GENERIC: Readonly<Record<number, readonly [string, string]>> = {
  400: ['BadRequest', 'the server rejected our request for an unknown reason'],
  401: ['Unauthorized', 'the server has asked for the client to provide credentials'],
  403: ['Forbidden', 'the server does not allow access to the requested resource'],
  404: ['NotFound', 'the server could not find the requested resource'],
  405: ['MethodNotAllowed', 'the server does not allow this method on the requested resource'],
  409: ['Conflict', 'the server reported a conflict'],
  415: [
    'UnsupportedMediaType',
    'the server responded with the status code 415 but did not return more information',
  ],
  422: ['Invalid', 'the server rejected our request due to an error in our request'],
  429: [
    'TooManyRequests',
    'the server has received too many requests and has asked us to try again later',
  ],
  503: ['ServiceUnavailable', 'the server is currently unable to handle the request'],
  504: [
    'Timeout',
    'the server was unable to return a response in the time allotted, but may still be processing the request',
  ],
};

/** The error for a response with status >= 300. */
export function errorFromResponse(
  status: number,
  body: string,
  request: RequestDescription,
): KubeApiError {
  const parsed = parseStatus(body);
  if (parsed?.message) {
    return new KubeApiError(
      status,
      parsed.reason ?? http.STATUS_CODES[status] ?? 'Unknown',
      parsed.message,
    );
  }
  const [reason, generic] = GENERIC[status] ?? [
    'InternalError',
    status >= 500
      ? `an error on the server (${JSON.stringify(body.trim() || 'unknown')}) has prevented the request from succeeding`
      : `the server responded with the status code ${status} but did not return more information`,
  ];
  let message = generic;
  if (request.resource) {
    const verb = request.method.toLowerCase();
    message += request.name
      ? ` (${verb} ${request.resource} ${request.name})`
      : ` (${verb} ${request.resource})`;
  }
  return new KubeApiError(status, reason, message);
}

/** The error for a request that got no response: Go's `Get "<url>": <cause>`. */
export function errorFromTransport(
  cause: Error & { code?: string },
  request: RequestDescription,
): KubeApiError {
  const op = request.method.charAt(0) + request.method.slice(1).toLowerCase();
  return new KubeApiError(
    0,
    'Unreachable',
    `${op} ${JSON.stringify(request.url)}: ${transportCause(cause, request.url)}`,
  );
}

function transportCause(cause: Error & { code?: string }, url: string): string {
  const host = new URL(url).host;
  switch (cause.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${host}: connect: connection refused`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${new URL(url).hostname}: no such host`;
    case 'ETIMEDOUT':
    case 'ClientTimeout':
      return 'net/http: request canceled (Client.Timeout exceeded while awaiting headers)';
    default:
      return cause.message;
  }
}

function parseStatus(body: string): { message?: string; reason?: string } | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const status = value as { kind?: unknown; message?: unknown; reason?: unknown };
    if (status.kind !== 'Status') return undefined;
    return {
      ...(typeof status.message === 'string' &&
        status.message !== '' && { message: status.message }),
      ...(typeof status.reason === 'string' && status.reason !== '' && { reason: status.reason }),
    };
  } catch {
    return undefined;
  }
}
