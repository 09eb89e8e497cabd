/** Something that happened to a delta-ADS client; for metrics, tests and debugging. */
export type XdsClientEvent =
  | { readonly kind: 'connecting'; readonly attempt: number }
  | {
      readonly kind: 'disconnected';
      readonly reason: string;
      /** gRPC status code when the stream failed with one. */
      readonly code: number | undefined;
      /** Reconnect attempt number that follows (1 after a healthy stream dropped). */
      readonly nextAttempt: number;
      readonly retryInMs: number;
    }
  | {
      readonly kind: 'acked';
      readonly typeUrl: string;
      readonly nonce: string;
      readonly added: number;
      readonly removed: number;
    }
  | {
      readonly kind: 'nacked';
      readonly typeUrl: string;
      readonly nonce: string;
      readonly error: string;
    }
  | { readonly kind: 'ready' }
  | { readonly kind: 'closed' };

/** Debug view of one subscribed type URL. */
export interface XdsClientTypeSnapshot {
  readonly typeUrl: string;
  readonly wildcard: boolean;
  readonly names: readonly string[];
  /** name → version of every resource applied and not removed since. */
  readonly knownVersions: Readonly<Record<string, string>>;
  /** At least one response of this type was ACKed. */
  readonly everAcked: boolean;
  readonly lastAckedNonce: string;
  readonly lastNackedNonce: string;
  readonly lastNackError: string;
  readonly acks: number;
  readonly nacks: number;
}

export interface XdsClientSnapshot {
  readonly connected: boolean;
  readonly ready: boolean;
  readonly types: readonly XdsClientTypeSnapshot[];
}
