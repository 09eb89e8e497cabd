// PeerAuthentication (security.istio.io v1/v1beta1) from a plain Kubernetes object.

import { PolicyValidationError } from './errors.js';
import { FieldReader, fieldPath, type JsonObject } from './field-reader.js';
import type { MtlsMode, PeerAuthn } from './model.js';
import { readObjectEnvelope, readSelector } from './object-meta.js';

const MODES: readonly MtlsMode[] = ['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT'];
const PORT_KEY = /^[0-9]+$/;

function readMode(reader: FieldReader, holder: JsonObject | undefined, path: string): MtlsMode {
  if (!holder) return 'UNSET';
  reader.knownKeys(holder, path, ['mode']);
  const text = reader.optionalString(holder, 'mode', path);
  if (text === undefined) return 'UNSET';
  const mode = MODES.find((m) => m === text);
  if (!mode)
    reader.report(fieldPath(path, 'mode'), `"${text}" is not a mode (${MODES.join(', ')})`);
  return mode ?? 'UNSET';
}

/** Parses and validates a PeerAuthentication object; throws PolicyValidationError. */
export function parsePeerAuthentication(obj: unknown): PeerAuthn {
  const reader = new FieldReader();
  const warnings: string[] = [];
  const envelope = readObjectEnvelope(reader, obj, 'PeerAuthentication');
  const spec = envelope?.spec ?? {};
  reader.knownKeys(spec, 'spec', ['selector', 'mtls', 'portLevelMtls']);
  const selector = readSelector(reader, spec, warnings);
  const mtlsMode = readMode(reader, reader.optionalObject(spec, 'mtls', 'spec'), 'spec.mtls');

  const ports = new Map<number, MtlsMode>();
  const portMap = reader.optionalObject(spec, 'portLevelMtls', 'spec');
  if (portMap) {
    const entries = Object.entries(portMap);
    if (entries.length === 0) {
      reader.report(
        'spec.portLevelMtls',
        'port level mTLS, if defined, must have at least one element',
      );
    }
    if (!selector || Object.keys(selector.matchLabels).length === 0) {
      reader.report(
        'spec.portLevelMtls',
        'mesh/namespace peer authentication cannot have port level mTLS',
      );
    }
    for (const [key, value] of entries) {
      const at = fieldPath('spec.portLevelMtls', key);
      const port = PORT_KEY.test(key) ? Number(key) : NaN;
      if (!(port >= 1 && port <= 65535)) {
        reader.report(at, `"${key}" is not a port (1-65535)`);
        continue;
      }
      // null reads as an unset mode, as a nil MutualTLS does upstream.
      const holder = value === null ? undefined : reader.object(value, at);
      ports.set(port, readMode(reader, holder, at));
    }
  }

  const [first, ...rest] = reader.issues;
  if (first || !envelope) {
    throw new PolicyValidationError(
      'PeerAuthentication',
      first ? [first, ...rest] : [{ path: '(object)', message: 'not a PeerAuthentication' }],
    );
  }
  return {
    name: envelope.meta.name,
    namespace: envelope.meta.namespace,
    ...(envelope.meta.creationTimestamp !== undefined && {
      creationTimestamp: envelope.meta.creationTimestamp,
    }),
    ...(selector && { selector }),
    mtlsMode,
    portLevelMtls: new Map([...ports].sort(([a], [b]) => a - b)),
  };
}
