import { describe, expect, it } from 'vitest';
import { describeObject, ManifestError, parseManifests } from './manifests.js';

describe('manifest parsing', () => {
  it('reads every document, skipping empty ones and flattening Lists', () => {
    const objs = parseManifests(`
---
apiVersion: v1
kind: Service
metadata: {name: a}
---
# only a comment
---
apiVersion: v1
kind: List
items:
  - {apiVersion: v1, kind: ConfigMap, metadata: {name: b, namespace: x}}
  - {apiVersion: v1, kind: Secret, metadata: {name: c}}
`);
    expect(objs.map(describeObject)).toEqual(['Service a', 'ConfigMap x/b', 'Secret c']);
  });

  it('names the file and document of an object without kind or name', () => {
    expect(() => parseManifests('apiVersion: v1\nmetadata: {name: a}\n', 'f.yaml')).toThrow(
      /f\.yaml document 1: missing apiVersion or kind/,
    );
    expect(() => parseManifests('---\n---\napiVersion: v1\nkind: Pod\n', 'g.yaml')).toThrow(
      ManifestError,
    );
    expect(() => parseManifests('- a\n- b\n')).toThrow(/not a mapping/);
  });

  it('reports YAML syntax errors', () => {
    expect(() => parseManifests('a: [1, 2\n', 'bad.yaml')).toThrow(/bad\.yaml: YAML document 1/);
  });
});
