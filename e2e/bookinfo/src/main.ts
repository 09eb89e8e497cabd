// node dist/main.js <productpage|details|ratings|reviews> [port]
// One of the four bookinfo services, configured by the environment the upstream images
// read. Stops on SIGTERM/SIGINT after closing its listener.
import { ConfigError, parseInvocation, processEnv } from './config.js';
import { startBookinfoService } from './services.js';
import { stdoutLog } from './shared/log.js';

async function main(): Promise<void> {
  const { app, port } = parseInvocation(process.argv.slice(2));
  const log = stdoutLog(app);
  const server = await startBookinfoService(app, processEnv(), { port, log });
  log(`listening on port ${server.port}`);
  const stop = (signal: string): void => {
    log(`${signal} received, stopping`);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
