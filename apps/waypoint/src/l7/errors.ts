/**
 * A WaypointListener the waypoint will not execute. The listener table
 * replaces it with a deny-all stand-in (failClosedListener) and the ADS client
 * NACKs it with `message` as error_detail, so a listener is never run with a
 * constraint it could not read, nor at an older, possibly wider version.
 */
export class ListenerRejectedError extends Error {
  override readonly name = 'ListenerRejectedError';
  constructor(
    /** The xDS resource name, `<ns>/<hostname>:<port>`. */
    readonly resource: string,
    /** Field path inside the listener, e.g. `http_routes[2].retry.retry_on[0]`. */
    readonly field: string,
    /** What is wrong with the value at `field`. */
    readonly detail: string,
  ) {
    super(`rejected WaypointListener ${resource}: ${field}: ${detail}`);
  }
}
