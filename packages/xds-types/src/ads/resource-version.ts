import { createHash } from 'node:crypto';
import type { Any } from '@bufbuild/protobuf/wkt';

/**
 * A resource version derived from its content: the same bytes always get the
 * same version, also across istiod restarts. That lets a reconnecting client's
 * initial_resource_versions skip every resource that did not change while it
 * was away, and it means a counter reset can never make a changed resource look
 * unchanged.
 */
export function resourceVersion(resource: Any): string {
  return createHash('sha256')
    .update(resource.typeUrl)
    .update('\0')
    .update(resource.value)
    .digest('base64url')
    .slice(0, 16);
}
