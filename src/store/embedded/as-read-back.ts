/**
 * A record as `JSON.parse(JSON.stringify(record))` would give it back, sharing the record's own
 * strings, objects and arrays wherever they already are plain JSON (so no second copy of every
 * string). Undefined and function values are dropped from objects and become null in arrays,
 * non-finite numbers become null and -0 becomes 0, as JSON does. Returns undefined for anything
 * that JSON would transform in other ways (a `Date`, a `Map`, a class instance, a top-level
 * `undefined`): the caller then parses the written text instead.
 */
export function asReadBack(record: unknown): unknown {
  const value = readBack(record);
  return value === notPlain || value === dropped ? undefined : value;
}

const notPlain = Symbol('not plain JSON');
const dropped = Symbol('dropped by JSON');

function readBack(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
    case 'undefined':
    case 'function':
    case 'symbol':
      return dropped;
    case 'bigint':
      return notPlain;
  }
  if (value === null) return null;
  if (Array.isArray(value)) return readBackArray(value);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype || 'toJSON' in (value as object)) return notPlain;
  return readBackObject(value as Record<string, unknown>);
}

function readBackArray(array: readonly unknown[]): unknown {
  let copy: unknown[] | null = null;
  for (let index = 0; index < array.length; index++) {
    const item = array[index];
    let back = readBack(item);
    if (back === notPlain) return notPlain;
    if (back === dropped) back = null;
    if (copy === null && back !== item) copy = array.slice(0, index);
    copy?.push(back);
  }
  return copy ?? array;
}

function readBackObject(object: Record<string, unknown>): unknown {
  const keys = Object.keys(object);
  let copy: Record<string, unknown> | null = null;
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index]!;
    if (key === '__proto__') return notPlain;
    const field = object[key];
    const back = readBack(field);
    if (back === notPlain) return notPlain;
    if (copy === null && back !== field) {
      copy = {};
      for (const earlier of keys.slice(0, index)) copy[earlier] = object[earlier];
    }
    if (copy !== null && back !== dropped) copy[key] = back;
  }
  return copy ?? object;
}
