// A tiny program for the crash-handler tests: installs the handlers (unless
// told not to), keeps the event loop busy like a server, then lets a promise
// rejection or an exception escape. Arguments: rejection|exception, guarded|bare.
import { installCrashHandlers } from '../crash-handlers.js';

const [kind = 'rejection', mode = 'guarded'] = process.argv.slice(2);
if (mode === 'guarded') {
  installCrashHandlers({
    component: 'test-program',
    log: (fields, message) => {
      process.stdout.write(`${JSON.stringify({ level: 'error', ...fields, msg: message })}\n`);
    },
  });
}
// A server's event loop never empties: without handlers this would run on.
setInterval(() => undefined, 1000);
setTimeout(() => {
  if (kind === 'rejection') void Promise.reject(new Error('boom in a request path'));
  else throw new Error('boom in a callback');
}, 10);
