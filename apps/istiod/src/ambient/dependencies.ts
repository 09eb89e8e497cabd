// Which derived outputs read which inputs. A builder runs inside
// track(source, …); every keyed lookup it makes records a token such as
// `ns:default` or `wp:default/waypoint`. When that input changes, the index
// recomputes exactly the sources that read it.

export class DependencyTracker {
  private readonly tokensBySource = new Map<string, Set<string>>();
  private readonly sourcesByToken = new Map<string, Set<string>>();
  private current: Set<string> | undefined;

  /** Runs `build` for `source`, replacing what it depended on before. */
  track<T>(source: string, build: () => T): T {
    this.forget(source);
    const tokens = new Set<string>();
    const outer = this.current;
    this.current = tokens;
    try {
      return build();
    } finally {
      this.current = outer;
      if (tokens.size > 0) {
        this.tokensBySource.set(source, tokens);
        for (const token of tokens) {
          let sources = this.sourcesByToken.get(token);
          if (!sources) {
            sources = new Set();
            this.sourcesByToken.set(token, sources);
          }
          sources.add(source);
        }
      }
    }
  }

  /** Records that the source being built read `token`. */
  read(token: string): void {
    this.current?.add(token);
  }

  dependents(token: string): readonly string[] {
    return [...(this.sourcesByToken.get(token) ?? [])];
  }

  /** Drops a source that no longer exists. */
  forget(source: string): void {
    const tokens = this.tokensBySource.get(source);
    if (!tokens) return;
    for (const token of tokens) {
      const sources = this.sourcesByToken.get(token);
      sources?.delete(source);
      if (sources?.size === 0) this.sourcesByToken.delete(token);
    }
    this.tokensBySource.delete(source);
  }
}
