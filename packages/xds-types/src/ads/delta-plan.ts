import type { ResourcePredicate } from './resource-filter.js';
import type { ResourceSource, StoredResource } from './resource-store.js';

export interface DeltaPlanInput {
  readonly source: ResourceSource;
  readonly typeUrl: string;
  /** name → version the client holds. */
  readonly clientVersions: ReadonlyMap<string, string>;
  readonly visible: ResourcePredicate;
  /** Names to compare against the client's versions, or every name known to either side. */
  readonly examine: Iterable<string> | 'all';
  /**
   * Names (or aliases) the client just subscribed: sent even when the client
   * has the current version, and answered through removed_resources when they
   * do not exist — both as the delta xDS protocol requires.
   */
  readonly forced: ReadonlySet<string>;
}

export interface DeltaPlan {
  readonly resources: readonly StoredResource[];
  readonly removed: readonly string[];
}

/** The response that brings one client from its versions to the source's visible state. */
export function planDelta(input: DeltaPlanInput): DeltaPlan {
  const { source, typeUrl, clientVersions, visible } = input;
  const resources = new Map<string, StoredResource>();
  const removed = new Set<string>();

  const names: Iterable<string> =
    input.examine === 'all'
      ? new Set([...[...source.list(typeUrl)].map((r) => r.name), ...clientVersions.keys()])
      : input.examine;
  for (const name of names) {
    const resource = source.get(typeUrl, name);
    if (resource !== undefined && visible(resource)) {
      if (clientVersions.get(name) !== resource.version) resources.set(name, resource);
    } else if (clientVersions.has(name)) {
      removed.add(name);
    }
  }

  for (const name of input.forced) {
    const resource = source.get(typeUrl, name) ?? source.getByAlias(typeUrl, name);
    if (resource !== undefined && visible(resource)) {
      resources.set(resource.name, resource);
      removed.delete(resource.name);
    } else if (!resources.has(name)) {
      removed.add(name);
    }
  }

  return { resources: [...resources.values()], removed: [...removed] };
}
