// The supervisor inside the sandbox reports to the host through two files in
// the state dir: progress.jsonl (one event per line, appended) and
// status.json (the final outcome). Files, not pipes, because the host side may
// be a different process than the one that started the cluster (cluster:up
// exits, cluster:down comes later).

export type ClusterPhase = 'starting' | 'ready' | 'failed' | 'stopped';

export interface ProgressEvent {
  /** Milliseconds since the supervisor started. */
  readonly t: number;
  readonly message: string;
}

export interface ClusterStatus {
  readonly phase: ClusterPhase;
  readonly error?: string;
  /** Milliseconds from supervisor start to this status. */
  readonly t: number;
}

export function encodeEvent(e: ProgressEvent): string {
  return JSON.stringify(e) + '\n';
}

/** Splits appended file content into complete events, returning the unconsumed tail. */
export function decodeEvents(buffer: string): { events: ProgressEvent[]; rest: string } {
  const lines = buffer.split('\n');
  const rest = lines.pop() ?? '';
  const events: ProgressEvent[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as Partial<ProgressEvent>;
      if (typeof v.message === 'string') events.push({ t: v.t ?? 0, message: v.message });
    } catch {
      events.push({ t: 0, message: line });
    }
  }
  return { events, rest };
}

export function parseStatus(text: string): ClusterStatus | undefined {
  try {
    const v = JSON.parse(text) as Partial<ClusterStatus>;
    if (
      v.phase === 'starting' ||
      v.phase === 'ready' ||
      v.phase === 'failed' ||
      v.phase === 'stopped'
    ) {
      return { phase: v.phase, t: v.t ?? 0, ...(v.error ? { error: v.error } : {}) };
    }
  } catch {
    // torn write: treat as unknown and read again later
  }
  return undefined;
}
