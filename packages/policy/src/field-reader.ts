// Reads plain JSON (as a Kubernetes client hands it over) into typed values,
// collecting every problem with its field path instead of stopping at the first.

import type { ValidationIssue } from './errors.js';

export type JsonObject = Readonly<Record<string, unknown>>;

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

export function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class FieldReader {
  readonly issues: ValidationIssue[] = [];

  report(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** `value` as an object, or undefined (reported) when it is not one. */
  object(value: unknown, path: string): JsonObject | undefined {
    if (isObject(value)) return value;
    this.report(path, `expected an object, got ${typeName(value)}`);
    return undefined;
  }

  /**
   * Reports keys outside `allowed`. An unknown field is an error, not noise:
   * ignoring a constraint we do not understand would widen the policy.
   */
  knownKeys(obj: JsonObject, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.report(fieldPath(path, key), `unknown field (expected one of: ${allowed.join(', ')})`);
      }
    }
  }

  /** An optional nested object; absent and null both read as undefined. */
  optionalObject(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    return this.object(value, fieldPath(path, key));
  }

  optionalString(obj: JsonObject, key: string, path: string): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') return value;
    this.report(fieldPath(path, key), `expected a string, got ${typeName(value)}`);
    return undefined;
  }

  requiredString(obj: JsonObject, key: string, path: string): string | undefined {
    const value = this.optionalString(obj, key, path);
    if (value === undefined && (obj[key] === undefined || obj[key] === null)) {
      this.report(fieldPath(path, key), 'required field is missing');
    } else if (value === '') {
      this.report(fieldPath(path, key), 'must not be empty');
      return undefined;
    }
    return value;
  }

  /** An optional list; absent and null read as undefined, an empty list as []. */
  optionalList(obj: JsonObject, key: string, path: string): readonly unknown[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value as unknown[];
    this.report(fieldPath(path, key), `expected a list, got ${typeName(value)}`);
    return undefined;
  }

  /** A list of strings; wrong item types are reported and skipped. */
  stringList(obj: JsonObject, key: string, path: string): string[] {
    const list = this.optionalList(obj, key, path) ?? [];
    const out: string[] = [];
    list.forEach((item, i) => {
      if (typeof item === 'string') out.push(item);
      else
        this.report(indexPath(fieldPath(path, key), i), `expected a string, got ${typeName(item)}`);
    });
    return out;
  }

  /** A map of string to string (labels, matchLabels). */
  stringMap(obj: JsonObject, key: string, path: string): Record<string, string> | undefined {
    const map = this.optionalObject(obj, key, path);
    if (!map) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(map)) {
      if (typeof v === 'string') out[k] = v;
      else this.report(fieldPath(fieldPath(path, key), k), `expected a string, got ${typeName(v)}`);
    }
    return out;
  }
}
