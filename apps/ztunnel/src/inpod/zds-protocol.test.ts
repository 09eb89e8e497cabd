import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import { zds } from '@ambient-ts/xds-types';
import { describe, expect, it } from 'vitest';
import { ackBytes, helloBytes, interpretRequest } from './zds-protocol.js';

type RequestInit = Exclude<MessageInitShape<typeof zds.WorkloadRequestSchema>, zds.WorkloadRequest>;
const req = (payload: RequestInit['payload']) =>
  toBinary(zds.WorkloadRequestSchema, create(zds.WorkloadRequestSchema, { payload }));
const add = req({
  case: 'add',
  value: create(zds.AddWorkloadSchema, {
    uid: 'u1',
    workloadInfo: { name: 'p', namespace: 'ns', serviceAccount: 'sa' },
  }),
});

describe('the ZDS wire', () => {
  it('says hello as ZdsHello{version: V1} and acks with WorkloadResponse{ack}', () => {
    expect(Buffer.from(helloBytes()).toString('hex')).toBe('0801');
    expect(Buffer.from(ackBytes()).toString('hex')).toBe('0a00');
    expect(Buffer.from(ackBytes('x')).toString('hex')).toBe('0a030a0178');
  });

  it('takes an Add with exactly one netns fd', () => {
    expect(interpretRequest(add, [7], false)).toEqual({
      kind: 'add',
      info: { uid: 'u1', name: 'p', namespace: 'ns', serviceAccount: 'sa' },
      fd: 7,
    });
  });

  it('refuses an Add without fd, with two fds, and any other message with one', () => {
    expect(interpretRequest(add, [], false)).toMatchObject({
      kind: 'error',
      message: 'No control message',
      fatal: false,
    });
    expect(interpretRequest(add, [7, 8], false)).toMatchObject({ kind: 'error', strayFds: [7, 8] });
    const del = req({ case: 'del', value: { uid: 'u1' } });
    expect(interpretRequest(del, [9], false)).toMatchObject({
      kind: 'error',
      message: 'Unexpected control message',
      strayFds: [9],
    });
  });

  it('reads DelWorkload.uid from field 2', () => {
    // Hand-written: WorkloadRequest.del (field 2, LEN) { DelWorkload.uid (field 2, LEN) "u1" }
    expect(
      interpretRequest(
        Buffer.from('12041202' + Buffer.from('u1').toString('hex'), 'hex'),
        [],
        true,
      ),
    ).toEqual({
      kind: 'del',
      uid: 'u1',
    });
  });

  it('treats an Add without workload_info and a Keep after the snapshot as protocol errors', () => {
    const bare = req({ case: 'add', value: { uid: 'u2' } });
    expect(interpretRequest(bare, [5], false)).toMatchObject({
      kind: 'error',
      fatal: true,
      strayFds: [5],
    });
    const keep = req({ case: 'keep', value: { uid: 'u1' } });
    expect(interpretRequest(keep, [], false)).toEqual({ kind: 'keep', uid: 'u1' });
    expect(interpretRequest(keep, [], true)).toMatchObject({ kind: 'error', fatal: true });
    expect(interpretRequest(req({ case: 'snapshotSent', value: {} }), [], false)).toEqual({
      kind: 'snapshot',
    });
    expect(interpretRequest(Buffer.from([0xff, 0xff]), [], false)).toMatchObject({
      kind: 'error',
      fatal: true,
    });
  });
});
