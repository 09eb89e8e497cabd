// Server-side apply of a list of objects, in order, as `kubectl apply
// --server-side` does. Kinds the apiserver does not know yet (a CRD applied
// just before its first instance) are retried until the deadline.
import {
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeObject } from './manifests.js';

export const FIELD_MANAGER = 'ambient-ts';

export interface ApplyOptions {
  /** Namespace for namespaced objects that name none. */
  readonly defaultNamespace?: string;
  readonly fieldManager?: string;
  /** How long to keep retrying objects whose kind is not served yet. */
  readonly unknownKindTimeoutMs?: number;
}

function isUnknownKind(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return /unrecognized (type|kind)|no matches for kind|could not find the requested resource|not found in (list|resource)/i.test(
    msg,
  );
}

export async function applyObjects(
  kc: KubeConfig,
  objects: readonly KubernetesObject[],
  options: ApplyOptions = {},
): Promise<KubernetesObject[]> {
  const client = KubernetesObjectApi.makeApiClient(
    options.defaultNamespace ? withNamespace(kc, options.defaultNamespace) : kc,
  );
  const deadline = Date.now() + (options.unknownKindTimeoutMs ?? 30_000);
  const applied: KubernetesObject[] = [];
  for (const original of objects) {
    const obj = original;
    for (;;) {
      try {
        applied.push(
          await client.patch(
            obj,
            undefined,
            undefined,
            options.fieldManager ?? FIELD_MANAGER,
            true,
            PatchStrategy.ServerSideApply,
          ),
        );
        break;
      } catch (err) {
        if (isUnknownKind(err) && Date.now() < deadline) {
          await sleep(1000);
          continue;
        }
        throw new Error(`server-side apply of ${describeObject(obj)} failed: ${errorText(err)}`, {
          cause: err,
        });
      }
    }
  }
  return applied;
}

// KubernetesObjectApi puts namespaced objects that name no namespace into the
// current context's namespace, so the default is set there.
function withNamespace(kc: KubeConfig, namespace: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users,
    contexts: kc.contexts.map((c) => (c.name === kc.currentContext ? { ...c, namespace } : c)),
    currentContext: kc.currentContext,
  });
  return copy;
}

export function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'body' in err) {
    const body = (err as { body?: unknown }).body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: string };
        if (parsed.message) return parsed.message;
      } catch {
        return body;
      }
    }
  }
  return err instanceof Error ? err.message : String(err);
}
