import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../domain/index.js';
import { costOf, loadPriceTable, priceOf } from './price-table.js';

const table = loadPriceTable();

describe('price table', () => {
  it('prices well-known models of both vendors', () => {
    for (const model of ['gpt-5', 'gpt-5-mini', 'gpt-4.1', 'gpt-4o-mini'])
      expect(priceOf(table, 'openai', model), model).toBeDefined();
    for (const model of ['claude-opus-4-6', 'claude-sonnet-4-6', 'claude-haiku-4-5'])
      expect(priceOf(table, 'anthropic', model), model).toBeDefined();
  });

  it('finds dated snapshots under their undated name', () => {
    expect(priceOf(table, 'openai', 'gpt-4.1-2025-04-14')).toEqual(priceOf(table, 'openai', 'gpt-4.1'));
    expect(priceOf(table, 'anthropic', 'claude-haiku-4-5-20251001')).toEqual(
      priceOf(table, 'anthropic', 'claude-haiku-4-5'),
    );
  });

  it('bills uncached, cached, cache-write and output tokens at their own prices', () => {
    const cost = costOf(
      { inputTokens: 1_000_000, outputTokens: 1_000_000, cachedTokens: 500_000, cacheWriteTokens: 250_000 },
      'anthropic',
      'claude-sonnet-4-6',
      table,
    );
    expect(cost).toBeCloseTo(0.25 * 3 + 0.5 * 0.3 + 0.25 * 3.75 + 15, 10);
  });

  it('says null, never 0, for an unknown model or provider', () => {
    const usage = { inputTokens: 10, outputTokens: 10, cachedTokens: 0 };
    expect(costOf(usage, 'openai', 'my-local-llama', table)).toBeNull();
    expect(costOf(usage, 'mystery', 'gpt-4.1', table)).toBeNull();
    expect(costOf(usage, 'openai', '_comment', table)).toBeNull();
  });

  it('loads another file, and rejects a bad one as a usage error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'arbor-prices-'));
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({
        openai: { 'my-model': { inputPerMTok: 1, outputPerMTok: 2, cachedInputPerMTok: 0.5 } },
      }),
    );
    expect(
      costOf(
        { inputTokens: 1e6, outputTokens: 0, cachedTokens: 0 },
        'openai',
        'my-model',
        loadPriceTable(good),
      ),
    ).toBe(1);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ openai: { 'my-model': { inputPerMTok: 'cheap' } } }));
    expect(() => loadPriceTable(bad)).toThrow(UsageError);
    expect(() => loadPriceTable(join(dir, 'missing.json'))).toThrow(/cannot read the price table/);
  });
});
