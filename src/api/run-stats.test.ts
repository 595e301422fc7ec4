import { describe, expect, it } from 'vitest';
import { sampleRun } from '../../test/support/sample-documents.js';
import { at, sampleTree, statsCall, statsEvent } from '../../test/support/stats-records.js';
import type { Run } from '../domain/index.js';
import { computeRunStats } from './run-stats.js';
import { runStatsSchema } from './run-stats-schema.js';

function run(overrides: Partial<Run> = {}): Run {
  return {
    ...sampleRun({ id: 'run-stats' }).run,
    llm: 'openai:gpt-4.1',
    status: 'completed',
    endedAt: at(21),
    ...overrides,
  };
}

describe('computeRunStats', () => {
  it('compares the wall time with the critical path when that is the larger bound', () => {
    const stats = computeRunStats({ run: run(), ...sampleTree(9), events: [], now: at(100) });
    expect(runStatsSchema.parse(stats)).toEqual(stats);
    expect(stats.lowerBound).toEqual({
      wallMs: 21_000,
      criticalPathMs: 14_000,
      totalCallMs: 24_000,
      concurrency: 8,
      fullSlotsMs: 3000,
      boundMs: 14_000,
      ratio: 1.5,
      ratioWithoutWaiting: null,
    });
    expect(stats.criticalPath.map((step) => step.title)).toEqual([
      'Build a shop',
      'Model',
      'API',
      'Handlers',
    ]);
  });

  it('takes total call time over the concurrency as the bound when slots are the limit', () => {
    const limits = { ...run().limits, concurrency: 1 };
    const stats = computeRunStats({
      run: run({ limits, endedAt: at(30) }),
      ...sampleTree(9),
      events: [],
      now: at(100),
    });
    expect(stats.lowerBound).toMatchObject({
      criticalPathMs: 14_000,
      fullSlotsMs: 24_000,
      boundMs: 24_000,
      ratio: 1.25,
    });
  });

  it('names the slowest nodes by the time of their own calls', () => {
    const stats = computeRunStats({ run: run(), ...sampleTree(9), events: [], now: at(100) });
    // Five of the six nodes; ties go to the shallower node.
    expect(stats.slowestNodes.map((node) => [node.title, node.callMs])).toEqual([
      ['Docs', 9000],
      ['API', 4000],
      ['Handlers', 4000],
      ['Build a shop', 3000],
      ['Model', 3000],
    ]);
  });

  it('adds up calls, tokens and cost by role, by model and by top-level task', () => {
    const { nodes, calls } = sampleTree(9);
    // One call names its model; the others were stored before calls did and count under the run's --llm.
    calls[7] = { ...calls[7]!, provider: 'anthropic', model: 'claude-haiku-4-5' };
    const stats = computeRunStats({ run: run(), nodes, calls, events: [], now: at(100) });

    expect(stats.totals).toMatchObject({ calls: 10, inputTokens: 1000, outputTokens: 100, callMs: 24_000 });
    expect(stats.totals.costUsd).toBeCloseTo(0.01);
    expect(stats.byRole.map((entry) => [entry.role, entry.calls, entry.callMs])).toEqual([
      ['planner', 2, 4000],
      ['sequencer', 2, 2000],
      ['executor', 5, 17_000],
      ['checker', 1, 1000],
    ]);
    expect(stats.byModel.map((entry) => [entry.provider, entry.model, entry.calls])).toEqual([
      ['openai', 'gpt-4.1', 9],
      ['anthropic', 'claude-haiku-4-5', 1],
    ]);
    expect(
      stats.bySubtree.map((entry) => [entry.title, entry.scope, entry.nodes, entry.calls, entry.callMs]),
    ).toEqual([
      ['Build a shop', 'own', 1, 2, 3000],
      ['Model', 'subtree', 1, 2, 3000],
      ['API', 'subtree', 3, 5, 9000],
      ['Docs', 'subtree', 1, 1, 9000],
    ]);
    const subtreeCalls = stats.bySubtree.reduce((sum, entry) => sum + entry.calls, 0);
    expect(subtreeCalls).toBe(stats.totals.calls);
  });

  it('makes the cost unknown when one call has no price, and counts a failed call without tokens', () => {
    const { nodes, calls } = sampleTree(9);
    calls[0] = { ...calls[0]!, usage: { ...calls[0]!.usage!, costUsd: null } };
    calls[1] = { ...calls[1]!, usage: null, answer: null, finishReason: null, error: 'HTTP 500' };
    const stats = computeRunStats({ run: run(), nodes, calls, events: [], now: at(100) });
    expect(stats.totals).toMatchObject({ calls: 10, failedCalls: 1, inputTokens: 900, costUsd: null });
    expect(stats.byRole.find((entry) => entry.role === 'sequencer')).toMatchObject({
      failedCalls: 1,
      inputTokens: 100,
    });
  });

  it('reports the share of checked nodes that passed on the first attempt', () => {
    const stats = computeRunStats({ run: run(), ...sampleTree(9), events: [], now: at(100) });
    // Model and Handlers passed at once; Docs failed first.
    expect(stats.checks).toEqual({
      checkedNodes: 3,
      passedFirstAttempt: 2,
      firstAttemptPassRate: 2 / 3,
      failedChecks: 1,
    });
  });

  it('counts provider retries and re-asks after an invalid answer', () => {
    const { nodes, calls } = sampleTree(9);
    calls[2] = { ...calls[2]!, retries: 2 };
    const reask = [
      { role: 'user' as const, content: 'plan it' },
      { role: 'assistant' as const, content: 'not JSON' },
      { role: 'user' as const, content: 'Your answer was invalid' },
    ];
    calls.push(statsCall('2', 'planner', 9, 9, { attempt: 2, messages: reask }));
    const { retries: _unknown, ...legacy } = calls[3]!;
    calls[3] = legacy;
    const stats = computeRunStats({ run: run(), nodes, calls, events: [], now: at(100) });
    expect(stats.repeats).toEqual({
      providerRetries: 2,
      retriedCalls: 1,
      callsWithoutRetryCount: 1,
      reasks: 1,
      reasksByRole: { planner: 1, sequencer: 0, executor: 0, checker: 0 },
    });
  });

  it('counts the time nodes waited for people, and the part of it that held the run up', () => {
    const { nodes, calls } = sampleTree(9);
    const events = [
      // Docs and Handlers wait while other calls run (3–8): that holds nothing up.
      statsEvent('3', 'ready', 'awaiting_approval', 3),
      statsEvent('3', 'awaiting_approval', 'ready', 7),
      statsEvent('2.1', 'checking', 'awaiting_approval', 5),
      statsEvent('2.1', 'awaiting_approval', 'running', 8),
      // Tests waits after the last call ended (14–20).
      statsEvent('2.2', 'ready', 'awaiting_approval', 14),
      statsEvent('2.2', 'awaiting_approval', 'ready', 20),
    ];
    const stats = computeRunStats({ run: run(), nodes, calls, events, now: at(100) });
    expect(stats.waitingForPeople).toMatchObject({ totalMs: 13_000, elapsedMs: 11_000, idleMs: 6000 });
    expect(stats.waitingForPeople.spans.map((span) => [span.title, span.ms])).toEqual([
      ['Tests', 6000],
      ['Docs', 4000],
      ['Handlers', 3000],
    ]);
    expect(stats.lowerBound.ratioWithoutWaiting).toBeCloseTo(15 / 14);
  });

  it('counts a wait that has not ended up to now while the run awaits approval', () => {
    const { nodes, calls } = sampleTree(9);
    const events = [statsEvent('3', 'ready', 'awaiting_approval', 12)];
    const stats = computeRunStats({
      run: run({ status: 'awaiting_approval', endedAt: null }),
      nodes,
      calls,
      events,
      now: at(40),
    });
    expect(stats.waitingForPeople.spans).toEqual([
      { nodeId: '3', title: 'Docs', from: at(12), to: null, ms: 28_000 },
    ]);
    expect(stats.lowerBound.wallMs).toBe(40_000);
  });

  it('ends the wall time of a run that stopped without ending at its last activity', () => {
    const stats = computeRunStats({
      run: run({ status: 'running', endedAt: null }),
      ...sampleTree(9),
      events: [],
      now: at(500),
    });
    expect(stats.lowerBound.wallMs).toBe(14_000);
  });
});
