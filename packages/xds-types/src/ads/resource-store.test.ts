import { describe, expect, it } from 'vitest';
import { ADDRESS_TYPE_URL, AUTHORIZATION_TYPE_URL } from '../type-urls.js';
import { ResourceTypeMismatchError } from '../errors.js';
import { authorization, workloadAddress } from '../test-support/resources.js';
import { ResourceStore, type ResourceChange } from './resource-store.js';

describe('resource store', () => {
  it('notifies listeners with the changed names and a new generation', () => {
    const store = new ResourceStore();
    const changes: ResourceChange[] = [];
    store.listen((change) => changes.push(change));
    store.update(ADDRESS_TYPE_URL, {
      set: [
        { name: 'a', resource: workloadAddress('a') },
        { name: 'b', resource: workloadAddress('b') },
      ],
    });
    store.remove(ADDRESS_TYPE_URL, 'a');
    expect(changes).toEqual([
      { typeUrl: ADDRESS_TYPE_URL, names: ['a', 'b'], generation: 1 },
      { typeUrl: ADDRESS_TYPE_URL, names: ['a'], generation: 2 },
    ]);
    expect([...store.list(ADDRESS_TYPE_URL)].map((r) => r.name)).toEqual(['b']);
  });

  it('does not count re-setting identical bytes as a change', () => {
    const store = new ResourceStore();
    expect(store.set(ADDRESS_TYPE_URL, { name: 'a', resource: workloadAddress('a') })).toBe(true);
    const version = store.get(ADDRESS_TYPE_URL, 'a')?.version;
    expect(store.set(ADDRESS_TYPE_URL, { name: 'a', resource: workloadAddress('a') })).toBe(false);
    expect(store.generation()).toBe(1);
    expect(
      store.set(ADDRESS_TYPE_URL, { name: 'a', resource: workloadAddress('a', { node: 'n2' }) }),
    ).toBe(true);
    expect(store.get(ADDRESS_TYPE_URL, 'a')?.version).not.toBe(version);
  });

  it('gives equal content the same version in independent stores (restart-safe)', () => {
    const one = new ResourceStore();
    const two = new ResourceStore();
    two.set(ADDRESS_TYPE_URL, { name: 'x', resource: workloadAddress('x') });
    one.set(ADDRESS_TYPE_URL, { name: 'a', resource: workloadAddress('a') });
    two.set(ADDRESS_TYPE_URL, { name: 'a', resource: workloadAddress('a') });
    expect(one.get(ADDRESS_TYPE_URL, 'a')?.version).toBe(two.get(ADDRESS_TYPE_URL, 'a')?.version);
  });

  it('finds resources by alias and forgets aliases a new version dropped', () => {
    const store = new ResourceStore();
    store.set(ADDRESS_TYPE_URL, {
      name: 'uid-1',
      resource: workloadAddress('uid-1'),
      aliases: ['/10.0.0.1'],
    });
    expect(store.getByAlias(ADDRESS_TYPE_URL, '/10.0.0.1')?.name).toBe('uid-1');
    store.set(ADDRESS_TYPE_URL, {
      name: 'uid-1',
      resource: workloadAddress('uid-1'),
      aliases: ['/10.0.0.2'],
    });
    expect(store.getByAlias(ADDRESS_TYPE_URL, '/10.0.0.1')).toBeUndefined();
    expect(store.getByAlias(ADDRESS_TYPE_URL, '/10.0.0.2')?.name).toBe('uid-1');
  });

  it('refuses a resource packed as another type, changing nothing', () => {
    const store = new ResourceStore();
    expect(() =>
      store.update(AUTHORIZATION_TYPE_URL, {
        set: [
          { name: 'ns/ok', resource: authorization('ns', 'ok') },
          { name: 'a', resource: workloadAddress('a') },
        ],
      }),
    ).toThrow(ResourceTypeMismatchError);
    expect([...store.list(AUTHORIZATION_TYPE_URL)]).toEqual([]);
    expect(store.generation()).toBe(0);
  });

  it('stops notifying a listener after it unsubscribes', () => {
    const store = new ResourceStore();
    const seen: string[] = [];
    const stop = store.listen((change) => seen.push(...change.names));
    store.set(ADDRESS_TYPE_URL, { name: 'a', resource: workloadAddress('a') });
    stop();
    store.set(ADDRESS_TYPE_URL, { name: 'b', resource: workloadAddress('b') });
    expect(seen).toEqual(['a']);
  });
});
