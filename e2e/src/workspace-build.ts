// The cluster runs our programs from their dist/ (deploy/images/local-images.json), so the
// projects it needs are built first, with their dependencies, showing nx's output.
import { execa } from 'execa';
import type { Progress } from '@ambient-ts/local-cluster';
import { REPO_ROOT } from './repo.js';

export async function buildProjects(
  projects: readonly string[],
  progress: Progress,
): Promise<void> {
  progress(`building ${projects.join(', ')} and what they depend on (nx run-many -t build)`);
  await execa('npx', ['nx', 'run-many', '-t', 'build', '-p', ...projects, '--outputStyle=stream'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
    // A nested nx (under `npm test`) must not start or reuse a daemon.
    env: { NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' },
  });
}
