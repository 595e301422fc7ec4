import { describe, expect, it } from 'vitest';
import { asReadBack } from './as-read-back.js';

const roundTrip = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('asReadBack', () => {
  it('returns plain JSON records themselves, sharing their objects', () => {
    const result = { summary: 'done', output: 'x'.repeat(100), artifacts: [] };
    const record = { t: 'patch', patch: { result, pipeline: { execution: { result } } }, list: [1, 'a', null] };
    const back = asReadBack(record);
    expect(back).toBe(record);
    expect(back).toEqual(roundTrip(record));
  });

  it('drops what JSON drops and keeps untouched parts shared', () => {
    const kept = { a: [1, 2] };
    const record = { kept, gone: undefined, fn: () => 1, list: [undefined, -0, Number.NaN, 3], zero: -0 };
    const back = asReadBack(record) as Record<string, unknown>;
    expect(back).toEqual(roundTrip(record));
    expect(Object.keys(back)).toEqual(['kept', 'list', 'zero']);
    expect(Object.is(back.zero, 0)).toBe(true);
    expect(back.kept).toBe(kept);
    expect(record.gone).toBeUndefined();
    expect('gone' in record).toBe(true);
  });

  it('gives up on values JSON transforms otherwise', () => {
    expect(asReadBack({ at: new Date(0) })).toBeUndefined();
    expect(asReadBack({ map: new Map() })).toBeUndefined();
    expect(asReadBack({ big: 1n })).toBeUndefined();
    expect(asReadBack(Object.create(null))).toBeUndefined();
    expect(asReadBack(JSON.parse('{"__proto__": 1}'))).toBeUndefined();
    expect(asReadBack(undefined)).toBeUndefined();
  });
});
