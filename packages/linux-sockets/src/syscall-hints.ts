// What to check when a syscall fails, by (syscall, errno name). Pure data and
// lookup, so the texts are unit-tested without root.

type HintTable = Readonly<Record<string, Readonly<Record<string, string>>>>;

const BY_SYSCALL: HintTable = {
  open: {
    ENOENT:
      'the namespace file does not exist: is the process still running (/proc/<pid>/ns/net) or is the name right (ip netns list)?',
    EACCES: 'opening another process\u2019s namespace needs root or CAP_SYS_PTRACE over it',
  },
  setns: {
    EPERM:
      'entering another network namespace needs CAP_SYS_ADMIN (run as root or add the capability)',
    EINVAL: 'the fd is not a network namespace fd',
    EBADF: 'the netns fd is not open (was it closed already?)',
  },
  'ioctl(NS_GET_NSTYPE)': {
    ENOTTY: 'the fd is not a namespace fd at all',
    EBADF: 'the fd is not open (was it closed already?)',
  },
  'setsockopt(SO_MARK)': { EPERM: 'SO_MARK needs CAP_NET_ADMIN' },
  'setsockopt(IP_TRANSPARENT)': { EPERM: 'IP_TRANSPARENT needs CAP_NET_ADMIN or CAP_NET_RAW' },
  'setsockopt(IPV6_TRANSPARENT)': { EPERM: 'IPV6_TRANSPARENT needs CAP_NET_ADMIN or CAP_NET_RAW' },
  'setsockopt(SO_REUSEPORT)': {
    EINVAL: 'the kernel does not support SO_REUSEPORT for this socket',
  },
  bind: {
    EADDRINUSE:
      'another socket in that network namespace holds this address and port (use reusePort on every listener that shares it, or another port)',
    EADDRNOTAVAIL:
      'the address is not assigned in the socket\u2019s network namespace (check ip addr inside it); a foreign source address needs transparent or freebind, and IPv6 on lo may be disabled',
    EACCES:
      'ports below 1024 need CAP_NET_BIND_SERVICE; a unix socket path needs write access to its directory',
    ENOENT: 'the directory of the unix socket path does not exist',
    ENAMETOOLONG: 'a unix socket path must be at most 107 bytes',
  },
  connect: {
    ECONNREFUSED:
      'nothing listens there in the socket\u2019s network namespace (for a unix socket: the file is stale, its server is gone)',
    ETIMEDOUT:
      'no answer in time: check routes and iptables (DROP rules) in the namespace, and the peer',
    ENETUNREACH:
      'no route to that network in the socket\u2019s namespace (check ip route inside it)',
    EHOSTUNREACH:
      'the host is unreachable from the socket\u2019s namespace (check neighbours and routes)',
    EADDRNOTAVAIL: 'no local address or ephemeral port is available for this destination',
    ENOENT:
      'no unix socket at that path: is its server (e.g. the istio-cni node agent for ZDS) running?',
    EAGAIN: 'the unix socket server\u2019s accept backlog is full; retry later',
    EACCES: 'no write permission on the unix socket file',
    ENAMETOOLONG: 'a unix socket path must be at most 107 bytes',
  },
  'getsockopt(SO_ORIGINAL_DST)': {
    ENOENT:
      'the connection has no NAT entry: it reached the listener directly instead of through an iptables -t nat REDIRECT in the socket\u2019s namespace',
    ENOPROTOOPT: 'IPv4 connection tracking (nf_conntrack) is not loaded',
  },
  'getsockopt(IP6T_SO_ORIGINAL_DST)': {
    ENOENT:
      'the connection has no NAT entry: it reached the listener directly instead of through an ip6tables -t nat REDIRECT in the socket\u2019s namespace',
    ENOPROTOOPT: 'IPv6 connection tracking (nf_conntrack, ip6table_nat) is not loaded',
  },
  sendmsg: {
    EPIPE: 'the peer closed the connection',
    ECONNRESET: 'the peer closed the connection',
    EMSGSIZE: 'the message is larger than the socket\u2019s send buffer allows (SO_SNDBUF)',
    ETOOMANYREFS: 'too many fds in flight; the receiver is not reading its messages',
    EBADF: 'one of the fds to send is not open',
  },
  recvmsg: { ECONNRESET: 'the peer closed the connection with messages it had not read' },
  accept4: {
    EMFILE: 'the process ran out of file descriptors (raise ulimit -n or close leaked fds)',
    ENFILE: 'the system ran out of file descriptors',
  },
  'open(/proc/thread-self/ns/net)': {
    ENOENT: '/proc is not mounted or the kernel is older than 3.17',
  },
};

const BY_CODE: Readonly<Record<string, string>> = {
  EBADF: 'the fd is not open (was it closed already, or handed to Node?)',
  ENOTSOCK: 'the fd is not a socket',
  EPERM: 'this needs more privileges (root, or CAP_NET_ADMIN / CAP_SYS_ADMIN)',
  EMFILE: 'the process ran out of file descriptors (raise ulimit -n or close leaked fds)',
};

/** A short "what to check" for a failed syscall, or undefined when there is nothing specific to say. */
export function hintFor(syscall: string, code: string): string | undefined {
  return BY_SYSCALL[syscall]?.[code] ?? BY_CODE[code];
}
