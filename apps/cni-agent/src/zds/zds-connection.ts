// What the ZDS server needs from a connection and a listener: a SEQPACKET socket in
// production (seqpacket-transport.ts), an in-memory fake in unit tests.

export interface ZdsConnection {
  /** Sends one message with `fds` attached (SCM_RIGHTS); the caller keeps its copies. */
  send(data: Uint8Array, fds: readonly number[]): Promise<void>;
  close(): void;
  /** Received fds belong to the handler, which must close them. */
  onMessage(handler: (data: Uint8Array, fds: readonly number[]) => void): void;
  onClose(handler: (error: Error | undefined) => void): void;
}

export interface ZdsListener {
  close(): void;
}

export type ListenZds = (onConnection: (conn: ZdsConnection) => void) => ZdsListener;
