import { describe, expect, it } from 'vitest';
import { ContainerConfigError } from './errors.js';
import type { ImageEntry } from './image-table.js';
import { containerArgv, processSpec } from './process-spec.js';

const entry: ImageEntry = {
  repository: 'x/app',
  entrypoint: ['/bin/app', 'serve'],
  cmd: ['--port', '9080'],
  env: {},
  programs: { '/usr/local/bin/kube-proxy': '/k/kube-proxy' },
};

describe('containerArgv (Docker semantics)', () => {
  it('runs ENTRYPOINT + CMD when the manifest says nothing', () => {
    expect(containerArgv({ name: 'c' }, entry, {})).toEqual([
      '/bin/app',
      'serve',
      '--port',
      '9080',
    ]);
  });
  it('replaces CMD with args', () => {
    expect(containerArgv({ name: 'c', args: ['--port', '1'] }, entry, {})).toEqual([
      '/bin/app',
      'serve',
      '--port',
      '1',
    ]);
  });
  it('replaces ENTRYPOINT with command and drops CMD', () => {
    expect(containerArgv({ name: 'c', command: ['/bin/sleep', 'infinity'] }, entry, {})).toEqual([
      '/bin/sleep',
      'infinity',
    ]);
    expect(containerArgv({ name: 'c', command: ['sh'], args: ['-c', 'x'] }, entry, {})).toEqual([
      'sh',
      '-c',
      'x',
    ]);
  });
  it('expands $(VAR) from the container env, leaving unknown references', () => {
    expect(
      containerArgv({ name: 'c', command: ['echo', '$(A)-$(B)', '$$(A)'] }, entry, { A: 'a' }),
    ).toEqual(['echo', 'a-$(B)', '$(A)']);
  });
  it('maps in-image program paths to local programs', () => {
    expect(
      containerArgv(
        { name: 'kube-proxy', command: ['/usr/local/bin/kube-proxy', '--v=2'] },
        entry,
        {},
      ),
    ).toEqual(['/k/kube-proxy', '--v=2']);
  });
  it('refuses a container with nothing to run', () => {
    const empty: ImageEntry = { ...entry, entrypoint: [], cmd: [] };
    expect(() => containerArgv({ name: 'c' }, empty, {})).toThrow(ContainerConfigError);
    expect(() => containerArgv({ name: 'c' }, empty, {})).toThrow('no command specified');
  });
  it('takes the working directory from the manifest, else the image', () => {
    expect(
      processSpec({ name: 'c', workingDir: '/w' }, { ...entry, workingDir: '/img' }, {}).workingDir,
    ).toBe('/w');
    expect(processSpec({ name: 'c' }, { ...entry, workingDir: '/img' }, {}).workingDir).toBe(
      '/img',
    );
    expect(processSpec({ name: 'c' }, entry, {}).workingDir).toBeUndefined();
  });
});
