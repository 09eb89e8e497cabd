// The lab's own promise: namespaces left behind by a run that died are swept
// at the next start, and those of live runs are left alone.
import { spawnSync, execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { NetnsLab, netnsUnavailableReason, sweepStaleNamespaces } from './netns-fixture.js';

const skipped = netnsUnavailableReason !== undefined;

function namespaces(): string[] {
  return execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '');
}

describe.skipIf(skipped)(
  `the netns test lab${skipped ? ` (skipped: ${netnsUnavailableReason})` : ''}`,
  () => {
    const lab = skipped ? undefined : new NetnsLab();
    afterAll(() => lab?.cleanup());

    it('sweeps namespaces of dead runs and keeps those of live ones', () => {
      // A pid that certainly belonged to a process that has exited.
      const dead = spawnSync('true').pid;
      const stale = `lsk${dead.toString(36)}-stale`;
      execFileSync('ip', ['netns', 'add', stale]);
      const live = lab!.addNamespace('live');
      try {
        const swept = sweepStaleNamespaces();
        expect(swept).toContain(stale);
        expect(namespaces()).not.toContain(stale);
        expect(namespaces()).toContain(live);
      } finally {
        spawnSync('ip', ['netns', 'del', stale]);
      }
    });

    it('deletes everything it created on cleanup', () => {
      const extra = new NetnsLab();
      const a = extra.addNamespace('gone-a');
      const b = extra.addNamespace('gone-b');
      extra.link({ ns: a, cidr: '198.18.9.1/24' }, { ns: b, cidr: '198.18.9.2/24' });
      extra.cleanup();
      expect(namespaces()).not.toContain(a);
      expect(namespaces()).not.toContain(b);
      // Both veth ends lived inside the namespaces: nothing is left in the host.
      expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toContain(
        `${extra.prefix}v`,
      );
    });
  },
);
