// Messages between the bench driver and its helper processes (IPC).

export interface WorkloadPem {
  readonly identityUri: string;
  readonly certChainPem: string[];
  readonly keyPem: string;
  readonly rootsPem: string[];
}

export type RoleSpec =
  /**
   * Sink (counts bytes, answers the count after EOF), echo, and source (reads
   * an 8-byte count, sends that many bytes, half-closes) servers.
   */
  | { readonly role: 'apps' }
  /** A plain `net` proxy piping both ways, one listener per target port. */
  | { readonly role: 'tcp-relay'; readonly targets: number[] }
  /** The inbound half of an HBONE pair (ztunnel :15008). */
  | { readonly role: 'hbone-in'; readonly workload: WorkloadPem }
  /** The outbound half: a listener per target, each app connection becomes a pooled HBONE tunnel. */
  | {
      readonly role: 'hbone-out';
      readonly workload: WorkloadPem;
      readonly hboneAddress: string;
      readonly expectedIdentityUri: string;
      readonly targets: number[];
    };

export type ToRole = { readonly kind: 'start'; readonly spec: RoleSpec } | { readonly kind: 'cpu' };

export type FromRole =
  /** `ports[i]` serves `targets[i]` (apps: [sink, echo, source]; hbone-in: [hbone]). */
  | { readonly kind: 'ready'; readonly ports: number[] }
  | { readonly kind: 'cpu'; readonly micros: number }
  | { readonly kind: 'failed'; readonly message: string };
