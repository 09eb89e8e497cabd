// A plain Node TCP relay (the baseline "proxy" without mTLS or HTTP/2).
// Usage: tcp-relay.ts <listen ip> <listen port>=<target ip>:<target port>...
// Run inside a node's netns with `ip netns exec`; prints "listening" when up.

import { connect, createServer } from 'node:net';

const [host = '0.0.0.0', ...routes] = process.argv.slice(2);
let up = 0;
for (const route of routes) {
  const [listen = '', target = ''] = route.split('=');
  const [toHost = '', toPort = ''] = target.split(':');
  createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = connect({
      host: toHost,
      port: Number(toPort),
      allowHalfOpen: true,
      noDelay: true,
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
  }).listen({ host, port: Number(listen) }, () => {
    if (++up === routes.length) process.stdout.write('listening\n');
  });
}
