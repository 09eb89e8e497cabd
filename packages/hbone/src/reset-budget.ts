// The HTTP/2 rapid-reset defence (CVE-2023-44487) for one server session: a
// token bucket of streams the client may reset before we answered them. Each
// such reset costs the server a request's work (classification, the authorize
// hook, maybe a dial) and costs the client one frame, so a client that keeps
// doing it is closed instead of served.

export class ResetBudget {
  #tokens: number;
  #last: number;

  /** `burst` resets at once; refills `burst / 10` per second. */
  constructor(
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#last = now();
  }

  /** Spends one reset; false once the client has exhausted its budget. */
  spend(): boolean {
    const t = this.now();
    this.#tokens = Math.min(
      this.burst,
      this.#tokens + ((t - this.#last) / 1000) * (this.burst / 10),
    );
    this.#last = t;
    this.#tokens -= 1;
    return this.#tokens >= 0;
  }
}
