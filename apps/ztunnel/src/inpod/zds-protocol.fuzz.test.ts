// Fuzz: what the node agent (or anything that reaches the ZDS socket) can send
// ztunnel — a datagram of any bytes with any number of fds. interpretRequest
// never throws, and every fd that came with the message ends up exactly once
// either as the new pod's netns or in strayFds (to be closed): no fd leaks,
// none is closed twice. A KeepWorkload after SnapshotSent is never obeyed.
import { create, toBinary } from '@bufbuild/protobuf';
import { zds } from '@ambient-ts/xds-types';
import { fuzz, fuzzTimeoutMs } from '@ambient-ts/security-table';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interpretRequest } from './zds-protocol.js';

const uid = fc.oneof(fc.constantFrom('', 'uid-1', '../x'), fc.string({ maxLength: 40 }));
const info = fc.record({
  name: fc.string({ maxLength: 10 }),
  namespace: fc.string({ maxLength: 10 }),
  serviceAccount: fc.string({ maxLength: 10 }),
});
const validRequest = fc
  .oneof(
    fc
      .record({ case: fc.constant('add' as const), uid, info: fc.option(info, { nil: undefined }) })
      .map((p) =>
        create(zds.WorkloadRequestSchema, {
          payload: {
            case: 'add',
            value: { uid: p.uid, ...(p.info ? { workloadInfo: p.info } : {}) },
          },
        }),
      ),
    uid.map((u) =>
      create(zds.WorkloadRequestSchema, { payload: { case: 'keep', value: { uid: u } } }),
    ),
    uid.map((u) =>
      create(zds.WorkloadRequestSchema, { payload: { case: 'del', value: { uid: u } } }),
    ),
    fc.constant(
      create(zds.WorkloadRequestSchema, { payload: { case: 'snapshotSent', value: {} } }),
    ),
    fc.constant(create(zds.WorkloadRequestSchema, {})),
  )
  .map((m) => toBinary(zds.WorkloadRequestSchema, m));
const datagram = fc.oneof(
  validRequest,
  fc.tuple(validRequest, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, at, v]) => {
    const c = b.slice();
    if (c.length > 0) c[at % c.length] = v;
    return c;
  }),
  fc.uint8Array({ maxLength: 64 }),
);
const fds = fc.uniqueArray(fc.integer({ min: 3, max: 1000 }), { maxLength: 3 });

describe('ZDS requests at ztunnel (fuzz)', () => {
  it(
    'any datagram is interpreted without throwing and accounts for every fd exactly once',
    () =>
      fuzz(
        'ztunnel: ZDS WorkloadRequest',
        fc.property(datagram, fds, fc.boolean(), (bytes, passed, snapshotDone) => {
          const action = interpretRequest(bytes, passed, snapshotDone);
          const kept = action.kind === 'add' ? [action.fd] : [];
          const closed = action.kind === 'error' ? [...action.strayFds] : [];
          expect([...kept, ...closed].sort()).toEqual([...passed].sort());
          if (action.kind === 'keep') expect(snapshotDone).toBe(false);
          if (action.kind !== 'add' && action.kind !== 'error') expect(passed).toEqual([]);
        }),
      ),
    fuzzTimeoutMs(),
  );
});
