// Public API of @ambient-ts/linux-sockets: the Linux socket calls Node lacks,
// for ztunnel (sockets inside pod network namespaces, SO_MARK,
// IP_TRANSPARENT, SO_ORIGINAL_DST) and for ZDS between the cni-agent and
// ztunnel (SOCK_SEQPACKET with SCM_RIGHTS). Linux only; elsewhere every
// function throws UnsupportedPlatformError.

export { openNetns, asNetnsFd, netnsInode, closeFd, netnsPath } from './netns.js';
export type { NetnsFd, NetnsTarget } from './netns.js';

export { listenTcpInNetns, bindUdpInNetns } from './inet-listen.js';
export type { ListenTcpOptions, BindUdpOptions } from './inet-listen.js';
export { connectTcpInNetns } from './tcp-connect.js';
export type { ConnectTcpOptions } from './tcp-connect.js';
export type { SocketOptions } from './socket-options.js';
export { localAddressOf, getOriginalDst, setMark, getMark, socketFd } from './socket-info.js';
export type { SocketAddress } from './native-addon.js';

export { listenSeqpacket, connectSeqpacket, SeqpacketServer } from './seqpacket-server.js';
export type { ListenSeqpacketOptions, SeqpacketServerEvents } from './seqpacket-server.js';
export { SeqpacketSocket } from './seqpacket-socket.js';
export type { SeqpacketSocketOptions, SeqpacketSocketEvents } from './seqpacket-socket.js';
export { SCM_MAX_FD } from './validate.js';

export {
  LinuxSocketsError,
  UnsupportedPlatformError,
  NativeAddonMissingError,
  InvalidArgumentError,
  SyscallError,
  NotANetworkNamespaceError,
  SeqpacketTruncatedError,
  SocketClosedError,
  ConnectAbortedError,
} from './errors.js';
