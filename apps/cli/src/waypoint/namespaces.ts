// Reading and labelling the target namespace, with upstream's error texts.

import { CommandError } from '../cli/errors.js';
import { isNotFound, type KubeClient } from '../kube/kube-client.js';
import type { Namespace } from '../kube/objects.js';
import * as msg from './messages.js';

export async function getNamespace(kube: KubeClient, ns: string): Promise<Namespace> {
  try {
    return await kube.getNamespace(ns);
  } catch (error) {
    if (isNotFound(error)) throw new CommandError(msg.namespaceNotFound(ns));
    throw new CommandError(msg.getNamespaceFailed(ns, messageOf(error)));
  }
}

export function labelOf(namespace: Namespace, label: string): string {
  return namespace.metadata.labels?.[label] ?? '';
}

export async function setNamespaceLabel(
  kube: KubeClient,
  ns: string,
  label: string,
  value: string,
): Promise<void> {
  const namespace = await getNamespace(kube, ns);
  const updated: Namespace = {
    ...namespace,
    metadata: { ...namespace.metadata, labels: { ...namespace.metadata.labels, [label]: value } },
  };
  try {
    await kube.updateNamespace(updated);
  } catch (error) {
    throw new CommandError(msg.updateNamespaceFailed(ns, messageOf(error)));
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
