// ZDS wire messages (istio.workload.zds): one bare protobuf per SEQPACKET datagram.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { zds } from '@ambient-ts/xds-types';
import { ZdsProtocolError } from '../errors.js';
import type { PodUid } from '../brands.js';

export interface WorkloadIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

export type ZdsRequest =
  | { readonly kind: 'add'; readonly uid: PodUid; readonly info: WorkloadIdentity }
  | { readonly kind: 'keep'; readonly uid: PodUid }
  | { readonly kind: 'del'; readonly uid: PodUid }
  | { readonly kind: 'snapshot_sent' };

export function encodeRequest(r: ZdsRequest): Uint8Array {
  let payload: zds.WorkloadRequest['payload'];
  switch (r.kind) {
    case 'add':
      payload = {
        case: 'add',
        value: create(zds.AddWorkloadSchema, {
          uid: r.uid,
          workloadInfo: create(zds.WorkloadInfoSchema, r.info),
        }),
      };
      break;
    case 'keep':
      payload = { case: 'keep', value: create(zds.KeepWorkloadSchema, { uid: r.uid }) };
      break;
    case 'del':
      payload = { case: 'del', value: create(zds.DelWorkloadSchema, { uid: r.uid }) };
      break;
    case 'snapshot_sent':
      payload = { case: 'snapshotSent', value: create(zds.SnapshotSentSchema) };
      break;
  }
  return toBinary(zds.WorkloadRequestSchema, create(zds.WorkloadRequestSchema, { payload }));
}

/** For logs and errors: `add <uid>`, `snapshot_sent`. */
export function describeRequest(r: ZdsRequest): string {
  return r.kind === 'snapshot_sent' ? r.kind : `${r.kind} ${r.uid}`;
}

/** Decodes ztunnel's first message; only version V1 is spoken. */
export function decodeHello(bytes: Uint8Array): void {
  let hello: zds.ZdsHello;
  try {
    hello = fromBinary(zds.ZdsHelloSchema, bytes);
  } catch (err) {
    throw new ZdsProtocolError(`ztunnel's hello is not a ZdsHello: ${(err as Error).message}`);
  }
  if (hello.version !== zds.Version.V1) {
    throw new ZdsProtocolError(
      `ztunnel speaks ZDS version ${hello.version}, this agent speaks V1 (1): upgrade the older of the two`,
    );
  }
}

/** Decodes a WorkloadResponse; returns the Ack's error text ('' = success). */
export function decodeAck(bytes: Uint8Array): string {
  let response: zds.WorkloadResponse;
  try {
    response = fromBinary(zds.WorkloadResponseSchema, bytes);
  } catch (err) {
    throw new ZdsProtocolError(
      `ztunnel sent an undecodable WorkloadResponse: ${(err as Error).message}`,
    );
  }
  if (response.payload.case !== 'ack') {
    throw new ZdsProtocolError('ztunnel sent a WorkloadResponse without an ack');
  }
  return response.payload.value.error;
}
