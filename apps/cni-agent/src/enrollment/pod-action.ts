// What an informer event means for a pod on this node. Pure.
import { ambientEnablement, REDIRECTION_ANNOTATION, type EnablementPolicy } from '../enablement.js';
import type { Labels } from '../label-selector.js';
import { isTerminal, podIps, type PodView } from './pod-facts.js';

export type PodAction =
  /** capture a running pod (labeled after it started, or found at start) */
  | 'add'
  /** un-capture a running pod that is no longer selected */
  | 'remove'
  /** drop a pod that finished: its netns is gone with its containers */
  | 'forget'
  | 'none';

export function podAction(
  pod: PodView,
  namespaceLabels: Labels,
  policy: EnablementPolicy,
  state: { readonly known: boolean; readonly nodeName: string },
): PodAction {
  if (pod.spec?.nodeName !== state.nodeName) return 'none';
  const annotated = pod.metadata?.annotations?.[REDIRECTION_ANNOTATION] !== undefined;
  if (isTerminal(pod)) return state.known ? 'forget' : 'none';
  const wanted = ambientEnablement(pod, namespaceLabels, policy).enabled;
  if (wanted) {
    // Without an IP the sandbox is still being created: the CNI plugin enrolls it.
    if (state.known || podIps(pod).length === 0) return 'none';
    return 'add';
  }
  return state.known || annotated ? 'remove' : 'none';
}
