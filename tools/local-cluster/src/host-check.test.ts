import { describe, expect, it } from 'vitest';
import { localClusterUnsupportedReason } from './host-check.js';

describe('host support check', () => {
  it('names what is missing instead of failing later', async () => {
    const reason = await localClusterUnsupportedReason('/nonexistent');
    if (process.platform !== 'linux') expect(reason).toMatch(/needs Linux/);
    else if (process.getuid?.() !== 0) expect(reason).toMatch(/needs root/);
    else expect(reason).toMatch(/^missing tools on PATH: unshare, nsenter, ip, iptables/);
  });
});
