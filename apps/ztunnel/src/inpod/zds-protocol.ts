// The ZDS wire (istio-cni node agent → ztunnel), as upstream ztunnel reads it:
// one bare protobuf per SOCK_SEQPACKET datagram; every AddWorkload carries
// exactly one fd (the pod's netns) via SCM_RIGHTS and nothing else carries
// any; KeepWorkload is legal only before SnapshotSent. Pure.

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { zds } from '@ambient-ts/xds-types';
import type { PodInfo } from '../proxy/context.js';

/** ztunnel reads ZDS with a 1024-byte buffer; a longer message is an error. */
export const ZDS_MAX_MESSAGE_BYTES = 1024;

export type ZdsAction =
  | { readonly kind: 'add'; readonly info: PodInfo; readonly fd: number }
  | { readonly kind: 'keep'; readonly uid: string }
  | { readonly kind: 'del'; readonly uid: string }
  | { readonly kind: 'snapshot' }
  | {
      readonly kind: 'error';
      readonly message: string;
      /** After NACKing, drop the connection and reconnect (protocol violations). */
      readonly fatal: boolean;
      /** Fds that came with the message and must be closed. */
      readonly strayFds: readonly number[];
    };

export function helloBytes(): Uint8Array {
  return toBinary(zds.ZdsHelloSchema, create(zds.ZdsHelloSchema, { version: zds.Version.V1 }));
}

/** WorkloadResponse{ack{error}}; an empty error is an ACK. */
export function ackBytes(error = ''): Uint8Array {
  return toBinary(
    zds.WorkloadResponseSchema,
    create(zds.WorkloadResponseSchema, { payload: { case: 'ack', value: { error } } }),
  );
}

export function interpretRequest(
  data: Uint8Array,
  fds: readonly number[],
  snapshotDone: boolean,
): ZdsAction {
  let req: zds.WorkloadRequest;
  try {
    req = fromBinary(zds.WorkloadRequestSchema, data);
  } catch (err) {
    return {
      kind: 'error',
      message: `invalid WorkloadRequest: ${(err as Error).message}`,
      fatal: true,
      strayFds: fds,
    };
  }
  const p = req.payload;
  if (p.case === 'add') {
    if (fds.length === 0) {
      return { kind: 'error', message: 'No control message', fatal: false, strayFds: [] };
    }
    if (fds.length > 1) {
      return {
        kind: 'error',
        message: `expected exactly one fd with AddWorkload, got ${fds.length}`,
        fatal: false,
        strayFds: fds,
      };
    }
    const info = p.value.workloadInfo;
    if (!info) {
      return {
        kind: 'error',
        message: `AddWorkload ${p.value.uid} has no workload_info`,
        fatal: true,
        strayFds: fds,
      };
    }
    return {
      kind: 'add',
      info: {
        uid: p.value.uid,
        name: info.name,
        namespace: info.namespace,
        serviceAccount: info.serviceAccount,
      },
      fd: fds[0] ?? -1,
    };
  }
  if (fds.length > 0) {
    return { kind: 'error', message: 'Unexpected control message', fatal: false, strayFds: fds };
  }
  switch (p.case) {
    case 'keep':
      if (snapshotDone) {
        return {
          kind: 'error',
          message: `KeepWorkload ${p.value.uid} after SnapshotSent`,
          fatal: true,
          strayFds: [],
        };
      }
      return { kind: 'keep', uid: p.value.uid };
    case 'del':
      return { kind: 'del', uid: p.value.uid };
    case 'snapshotSent':
      return { kind: 'snapshot' };
    default:
      return {
        kind: 'error',
        message: 'WorkloadRequest has no payload',
        fatal: true,
        strayFds: [],
      };
  }
}
