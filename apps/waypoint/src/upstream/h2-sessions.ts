// Upstream HTTP/2 sessions kept per endpoint and shared by concurrent
// requests (gRPC calls become streams of one session), as Envoy's HTTP/2
// connection pools do. A session is dropped when it closes, fails, receives
// GOAWAY, or has been idle for a few seconds.

import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import type { Duplex } from 'node:stream';
import { UpstreamConnectFailure } from './tunnel-agents.js';

const IDLE_MS = 4000;

export class H2Sessions {
  readonly #sessions = new Map<string, Promise<ClientHttp2Session>>();

  /** The endpoint's live session, opening one (with `open`) when there is none. */
  sessionFor(key: string, open: () => Promise<Duplex>): Promise<ClientHttp2Session> {
    const cached = this.#sessions.get(key);
    if (cached) return cached;
    const created = open().then(
      (stream) => {
        // The authority in the URL is not sent: each request carries its own.
        const session = http2Connect('http://upstream', { createConnection: () => stream });
        const forget = (): void => {
          if (this.#sessions.get(key) === created) this.#sessions.delete(key);
        };
        session.once('close', forget);
        session.once('goaway', forget);
        session.once('error', forget);
        session.setTimeout(IDLE_MS, () => {
          forget();
          session.close();
        });
        return session;
      },
      (err: unknown) => {
        this.#sessions.delete(key);
        throw new UpstreamConnectFailure((err as Error).message, { cause: err });
      },
    );
    this.#sessions.set(key, created);
    return created;
  }

  close(): void {
    for (const s of this.#sessions.values()) {
      void s.then(
        (session) => {
          session.destroy();
        },
        () => undefined,
      );
    }
    this.#sessions.clear();
  }
}
