// Which images we build, and from what: every image the install manifest and the
// bookinfo manifests name (under exactly the reference they use, so `kind load`
// makes them pullable as written) maps to one target of deploy/images/docker/Dockerfile
// — the last path segment of its repository — and to the context directory that
// target copies from.

/** What a context directory holds (see image-context.ts). */
export type ContextKind =
  | { readonly kind: 'program'; readonly project: string }
  | { readonly kind: 'cni-agent'; readonly project: string }
  | { readonly kind: 'empty' };

export interface ImageTarget {
  /** The Dockerfile target (`--target`). */
  readonly target: string;
  /** Subdirectory of the build context the target copies (`COPY <context>/ /`). */
  readonly context: string;
  readonly contents: ContextKind;
}

const program = (project: string): ContextKind => ({ kind: 'program', project });
const BOOKINFO: ContextKind = program('e2e/bookinfo');

/** Dockerfile targets by the last segment of the image repository. */
const TARGETS: Readonly<Record<string, Omit<ImageTarget, 'target'>>> = {
  pilot: { context: 'pilot', contents: program('apps/istiod') },
  ztunnel: { context: 'ztunnel', contents: program('apps/ztunnel') },
  'install-cni': {
    context: 'install-cni',
    contents: { kind: 'cni-agent', project: 'apps/cni-agent' },
  },
  // Waypoints: istiod's WAYPOINT_IMAGE names upstream's proxyv2; ours runs apps/waypoint.
  proxyv2: { context: 'proxyv2', contents: program('apps/waypoint') },
  'examples-bookinfo-productpage-v1': { context: 'bookinfo', contents: BOOKINFO },
  'examples-bookinfo-details-v1': { context: 'bookinfo', contents: BOOKINFO },
  'examples-bookinfo-ratings-v1': { context: 'bookinfo', contents: BOOKINFO },
  'examples-bookinfo-reviews-v1': { context: 'bookinfo', contents: BOOKINFO },
  'examples-bookinfo-reviews-v2': { context: 'bookinfo', contents: BOOKINFO },
  'examples-bookinfo-reviews-v3': { context: 'bookinfo', contents: BOOKINFO },
  // The sample's client pod only needs curl and sleep: both come with the base.
  curl: { context: 'curl', contents: { kind: 'empty' } },
};

export class UnknownImageError extends Error {
  constructor(ref: string) {
    super(
      `no Dockerfile target for image ${ref}: deploy/images/docker/Dockerfile builds ${Object.keys(TARGETS).join(', ')} (by the repository's last path segment)`,
    );
    this.name = 'UnknownImageError';
  }
}

/** "registry.istio.io/release/x:1.2@sha256:…" → "registry.istio.io/release/x". */
export function repositoryOf(ref: string): string {
  const noDigest = ref.split('@')[0] ?? ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

export function targetFor(ref: string): ImageTarget {
  const repo = repositoryOf(ref);
  const target = repo.slice(repo.lastIndexOf('/') + 1);
  const t = TARGETS[target];
  if (!t) throw new UnknownImageError(ref);
  return { target, ...t };
}

interface ContainerRef {
  readonly image?: string;
  readonly env?: readonly { readonly name?: string; readonly value?: string }[];
}

/**
 * Every container image named by pod templates or pods in the objects, and by
 * `*_IMAGE` env values of their containers (istiod's WAYPOINT_IMAGE names the
 * image of the waypoint Deployments it will create).
 */
export function imagesIn(objects: readonly unknown[]): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    const obj = o as {
      spec?: {
        containers?: ContainerRef[];
        initContainers?: ContainerRef[];
        template?: { spec?: { containers?: ContainerRef[]; initContainers?: ContainerRef[] } };
      };
    };
    const spec = obj.spec?.template?.spec ?? obj.spec;
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
      if (c.image) out.add(c.image);
      for (const e of c.env ?? []) if (e.name?.endsWith('_IMAGE') && e.value) out.add(e.value);
    }
  }
  return [...out];
}
