/** Something that happened on one delta-ADS stream; for metrics, tests and debugging. */
export type XdsServerEvent =
  | {
      readonly kind: 'connected';
      readonly connectionId: string;
      readonly proxyId: string;
      readonly peer: string;
    }
  | {
      readonly kind: 'disconnected';
      readonly connectionId: string;
      readonly proxyId: string;
      readonly reason: string;
    }
  | {
      readonly kind: 'push';
      readonly connectionId: string;
      readonly proxyId: string;
      readonly typeUrl: string;
      readonly nonce: string;
      readonly resources: readonly string[];
      readonly removed: readonly string[];
    }
  | {
      readonly kind: 'ack';
      readonly connectionId: string;
      readonly proxyId: string;
      readonly typeUrl: string;
      readonly nonce: string;
    }
  | {
      readonly kind: 'nack';
      readonly connectionId: string;
      readonly proxyId: string;
      readonly typeUrl: string;
      readonly nonce: string;
      readonly error: string;
    }
  | {
      readonly kind: 'stale-nonce';
      readonly connectionId: string;
      readonly proxyId: string;
      readonly typeUrl: string;
      readonly nonce: string;
    };

/** Debug view of one type URL on one stream. */
export interface XdsTypeSnapshot {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly subscribedNames: readonly string[];
  /** `awaiting-ack` while a response is outstanding, else how the last one was answered. */
  readonly state: 'awaiting-ack' | 'acked' | 'nacked';
  readonly lastSentNonce: string;
  readonly lastAckedNonce: string;
  readonly lastNackedNonce: string;
  /** error_detail.message of the last NACK ('' if none). */
  readonly lastNackError: string;
  /** Resources the client has confirmed (ACKed), by name → version. */
  readonly ackedVersions: Readonly<Record<string, string>>;
  readonly responses: number;
  readonly acks: number;
  readonly nacks: number;
}

/** Debug view of one delta-ADS stream (for istiod's debug endpoint). */
export interface XdsConnectionSnapshot {
  readonly connectionId: string;
  /** Node.id of the proxy ('' until its first request). */
  readonly proxyId: string;
  /** The proxy's ISTIO_VERSION node metadata ('' when it sent none); `istioctl version` shows it. */
  readonly proxyVersion: string;
  readonly peer: string;
  /** ISO 8601. */
  readonly connectedAt: string;
  readonly types: readonly XdsTypeSnapshot[];
}
