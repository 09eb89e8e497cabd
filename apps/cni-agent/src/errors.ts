// Typed errors of the cni-agent; each message says what to check.

export class CniAgentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A bad environment variable or flag (config.ts). */
export class ConfigError extends CniAgentError {}

/** An enablement selector (AMBIENT_ENABLEMENT_SELECTOR or the plugin conf) is malformed. */
export class InvalidSelectorError extends CniAgentError {
  constructor(
    readonly where: string,
    readonly reason: string,
  ) {
    super(`invalid enablement selector at ${where}: ${reason}`);
  }
}

/** The node's CNI configuration cannot be read or changed. */
export class CniConfigError extends CniAgentError {}

/** A plugin event (POST /cmdadd) body is not upstream's shape. */
export class PluginEventError extends CniAgentError {}

/** ztunnel is not connected to the ZDS socket: the pod is redirected but not yet proxied. */
export class NoZtunnelConnectionError extends CniAgentError {
  constructor() {
    super(
      'no ztunnel connection: is the ztunnel pod on this node running and connected to /var/run/ztunnel/ztunnel.sock?',
    );
  }
}

/** ztunnel answered a ZDS request with a non-empty Ack.error (a NACK). */
export class ZtunnelNackError extends CniAgentError {
  constructor(
    readonly request: string,
    readonly ztunnelError: string,
  ) {
    super(`ztunnel rejected ${request}: ${ztunnelError} (see the ztunnel logs on this node)`);
  }
}

/** ztunnel did not answer a ZDS request within the deadline, or the connection dropped. */
export class ZtunnelAckTimeoutError extends CniAgentError {
  constructor(
    readonly request: string,
    readonly timeoutMs: number,
  ) {
    super(`ztunnel did not acknowledge ${request} within ${timeoutMs} ms; the connection is reset`);
  }
}

export class ZdsConnectionLostError extends CniAgentError {
  constructor(readonly request: string) {
    super(`the ztunnel connection closed before it acknowledged ${request}`);
  }
}

/** ztunnel spoke out of protocol (bad hello, undecodable response). */
export class ZdsProtocolError extends CniAgentError {}

/** No network namespace holds the pod's IPs (the pod is not running on this node, or /proc is not the host's). */
export class NetnsNotFoundError extends CniAgentError {
  constructor(
    readonly pod: string,
    readonly ips: readonly string[],
    readonly procDir: string,
  ) {
    super(
      `no network namespace on this node holds ${ips.join(', ') || 'any IP'} of pod ${pod}: ` +
        `is the pod running here, and is ${procDir} the host's /proc (hostPath /proc, hostPID not needed)?`,
    );
  }
}

/** Applying or removing the in-pod redirection failed. */
export class RedirectionError extends CniAgentError {}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
