import { afterEach, describe, expect, it } from 'vitest';
import { NotFoundError, StateConflictError, type AgentRole } from '../domain/index.js';
import { checkPlanText } from '../plans/index.js';
import { createHarness, passingDefaults, tasks, type Harness } from '../../test/support/engine-harness.js';
import { storesUnderTest } from '../../test/support/stores-under-test.js';
import { waitFor } from '../../test/support/cli.js';
import { cancelRun } from './cancel-run.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.cleanup();
  harness = undefined;
});

/**
 * Root → A (decomposes into A1, A2 ← A1), B ← A (decomposes into B1), C. Ids: A 1, B 2, C 3,
 * A1 1.1, A2 1.2, B1 2.1 (children get their parent's id and their order).
 */
const script = {
  rules: [
    {
      role: 'planner',
      depth: 0,
      respond: tasks(
        { key: 'a', title: 'A' },
        { key: 'b', title: 'B', dependsOn: ['a'] },
        { key: 'c', title: 'C' },
      ),
    },
    { role: 'executor', title: '^[AB]$', respond: { action: 'decompose', reason: 'two parts' } },
    {
      role: 'planner',
      title: '^A$',
      respond: tasks({ key: 'a1', title: 'A1' }, { key: 'a2', title: 'A2', dependsOn: ['a1'] }),
    },
    { role: 'planner', title: '^B$', respond: tasks({ key: 'b1', title: 'B1' }) },
  ],
  defaults: passingDefaults,
};

/** One task with an approval gate: the run waits for a person. */
const gatedScript = {
  defaults: { ...passingDefaults, planner: tasks({ key: 'a', title: 'Gated', requiresApproval: true }) },
};

/** `role title` of every call the model got, in order. */
const callLog = (from = 0) => harness!.calls.slice(from).map((call) => `${call.role} ${call.title}`);

/** Calls per `role title`, as stored in the run's call log. */
async function storedCallCounts(): Promise<Map<string, number>> {
  const nodes = new Map((await harness!.nodes()).map((node) => [node.id, node.title]));
  const counts = new Map<string, number>();
  for (const call of await harness!.store.listCalls(harness!.runId)) {
    const key = `${call.role satisfies AgentRole} ${nodes.get(call.nodeId)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** A plan file's text as the engine takes it (the run's plan and its steps). */
function writtenPlanOf(text: string) {
  const checked = checkPlanText(text, { params: {} });
  if (!checked.success) throw new Error(JSON.stringify(checked.error));
  const { plan, params } = checked.value;
  return { run: { name: plan.name, version: String(plan.version), source: null, params }, steps: plan.steps };
}

/**
 * Drives the run until its gate `title` waits, approves it in round 1 and drives the run to its
 * end; answers the gate as it was when it waited.
 */
async function approvedOnce(title: string) {
  expect((await harness!.drive()).status).toBe('awaiting_approval');
  const gate = await harness!.node(title);
  const decided = await harness!.store.recordDecision(harness!.runId, gate.id, {
    action: 'approve',
    comment: null,
    description: null,
    by: 'ada',
    round: 1,
    at: new Date().toISOString(),
  });
  expect(decided.success).toBe(true);
  expect((await harness!.drive()).status).toBe('completed');
  return gate;
}

describe.each(storesUnderTest())('resume --from-node on the %s store', (store) => {
  it('redoes a leaf, its dependents and the roll-ups above them, and calls the model for nothing else', async () => {
    harness = await createHarness({ store, script });
    expect((await harness.drive()).status).toBe('completed');
    const before = harness.calls.length;
    const storedBefore = await storedCallCounts();
    const a1 = await harness.node('A1');

    const outcome = await harness.drive({
      redo: { nodeId: a1.id, reason: `resumed from node ${a1.id} by test` },
    });
    expect(outcome.status).toBe('completed');

    // A1 again, A2 (it depends on A1), then B's part (B depends on A, whose roll-up changed): B is
    // not planned again, its kept child B1 is done again. A, B and the root only roll up: no call.
    // C is kept.
    const again = callLog(before);
    expect([...again].sort()).toEqual(
      ['executor A1', 'checker A1', 'executor A2', 'checker A2', 'executor B1', 'checker B1'].sort(),
    );
    // B's part waits for A to be done again.
    expect(again.indexOf('executor B1')).toBeGreaterThan(again.indexOf('checker A2'));
    expect(again.indexOf('executor A2')).toBeGreaterThan(again.indexOf('checker A1'));

    // The stored call log says the same: one more executor and checker call on A1, A2 and B1.
    const storedAfter = await storedCallCounts();
    const added = [...storedAfter].filter(([key, count]) => count !== (storedBefore.get(key) ?? 0));
    expect(added.map(([key, count]) => [key, count - (storedBefore.get(key) ?? 0)]).sort()).toEqual(
      [
        ['checker A1', 1],
        ['checker A2', 1],
        ['checker B1', 1],
        ['executor A1', 1],
        ['executor A2', 1],
        ['executor B1', 1],
      ].sort(),
    );

    const nodes = await harness.nodes();
    expect(nodes.every((node) => node.status === 'completed')).toBe(true);
    expect(nodes.every((node) => !node.redo)).toBe(true);
    // Every re-opened node has a stored redo transition naming why; C has none.
    const events = await harness.store.listEvents(harness.runId);
    const redone = events.filter((event) => event.type === 'redo');
    const titleOf = new Map(nodes.map((node) => [node.id, node.title]));
    expect(redone.map((event) => `${titleOf.get(event.nodeId)}: ${event.from} → ${event.to}`).sort()).toEqual(
      [
        'A1: completed → ready',
        'A2: completed → pending',
        'A: completed → decomposed',
        'B1: completed → ready',
        'B: completed → pending',
        'Build a todo app: completed → decomposed',
      ].sort(),
    );
    expect(new Set(redone.map((event) => event.reason))).toEqual(
      new Set([`resumed from node ${a1.id} by test`]),
    );
    // Nothing stored is lost: the first pass's transitions are still there, before the redo.
    const a1Events = events.filter((event) => event.nodeId === a1.id).map((event) => event.type);
    expect(a1Events).toEqual(['create', 'start', 'submit', 'pass', 'redo', 'start', 'submit', 'pass']);
  });

  it('redoes from the root: every leaf again, no planner or sequencer call', async () => {
    harness = await createHarness({ store, script });
    expect((await harness.drive()).status).toBe('completed');
    const before = harness.calls.length;
    expect((await harness.drive({ redo: { nodeId: '0', reason: 'all again' } })).status).toBe('completed');
    expect([...callLog(before)].sort()).toEqual(
      ['A1', 'A2', 'B1', 'C'].flatMap((title) => [`executor ${title}`, `checker ${title}`]).sort(),
    );
  });

  it("still redoes a dependent parent's children when its redo was cut short by a failure and a resume reopens it", async () => {
    // A2's executor fails in the redo, so A fails and B is skipped before it
    // starts again; the resume after that still has B's kept child done again.
    const failing = {
      ...script,
      // Its second call and the re-ask after it (attempts 2 and 3) answer no JSON.
      rules: [
        ...[2, 3].map((attempt) => ({ role: 'executor', title: '^A2$', attempt, raw: 'not JSON' })),
        ...script.rules,
      ],
    };
    harness = await createHarness({ store, script: failing });
    expect((await harness.drive()).status).toBe('completed');
    const a1 = await harness.node('A1');
    expect((await harness.drive({ redo: { nodeId: a1.id, reason: 'again' } })).status).toBe('failed');
    expect((await harness.node('B')).status).toBe('skipped');
    const before = harness.calls.length;
    expect((await harness.drive({ reopenFailed: true })).status).toBe('completed');
    expect([...callLog(before)].sort()).toEqual(
      ['executor A2', 'checker A2', 'executor B1', 'checker B1'].sort(),
    );
    expect(harness.callsFor('planner', 'B')).toHaveLength(1);
  });

  it('redoes a parent by doing its kept children again, without planning it again', async () => {
    harness = await createHarness({ store, script });
    expect((await harness.drive()).status).toBe('completed');
    const before = harness.calls.length;
    const a = await harness.node('A');

    expect((await harness.drive({ redo: { nodeId: a.id, reason: 'again' } })).status).toBe('completed');
    expect([...callLog(before)].sort()).toEqual(
      ['executor A1', 'checker A1', 'executor A2', 'checker A2', 'executor B1', 'checker B1'].sort(),
    );
    // A started again and waited on its children; its planner answered once, in the first drive.
    expect(harness.callsFor('planner', 'A')).toHaveLength(1);
    const types = (await harness.store.listEvents(harness.runId, a.id)).map((event) => event.type);
    expect(types.slice(-4)).toEqual(['redo', 'start', 'decompose', 'roll-up']);
  });

  it('redoes a node nothing depends on alone, with the roll-up of its ancestors', async () => {
    harness = await createHarness({ store, script });
    expect((await harness.drive()).status).toBe('completed');
    const before = harness.calls.length;
    const c = await harness.node('C');
    expect((await harness.drive({ redo: { nodeId: c.id, reason: 'again' } })).status).toBe('completed');
    expect(callLog(before)).toEqual(['executor C', 'checker C']);
  });

  it('refuses an unknown node and one that is not settled, changing nothing', async () => {
    harness = await createHarness({ store, script: gatedScript });
    expect((await harness.drive()).status).toBe('awaiting_approval');
    const stored = await harness.store.listEvents(harness.runId);
    await expect(harness.drive({ redo: { nodeId: '9', reason: 'x' } })).rejects.toThrow(NotFoundError);
    const gated = await harness.node('Gated');
    await expect(harness.drive({ redo: { nodeId: gated.id, reason: 'x' } })).rejects.toThrow(
      StateConflictError,
    );
    await expect(harness.drive({ redo: { nodeId: gated.id, reason: 'x' } })).rejects.toThrow(
      /is awaiting_approval: only a settled node/,
    );
    expect(await harness.store.listEvents(harness.runId)).toEqual(stored);
  });

  it('asks a redone node with an approval gate for its approval again, in a new round', async () => {
    harness = await createHarness({ store, script: gatedScript });
    const gated = await approvedOnce('Gated');
    const before = harness.calls.length;

    expect((await harness.drive({ redo: { nodeId: gated.id, reason: 'again' } })).status).toBe(
      'awaiting_approval',
    );
    expect(callLog(before)).toEqual([]);
    const waiting = await harness.node('Gated');
    expect(waiting.status).toBe('awaiting_approval');
    expect(waiting.approval).toMatchObject({ kind: 'gate', round: 2, decision: null });
  });

  const built = (summary: string) => ({ action: 'complete', result: { summary, output: '' } });

  /**
   * A written plan: Build, then Ship, a gate whose condition looks at Build's result. The run is
   * driven to its end once, Ship approved in round 1. `redoneBuild` is what Build answers when done
   * again, unless one of `rules` answers first. Resolves with Build.
   */
  async function shipped(redoneBuild: string, rules: unknown[] = []) {
    const plan = writtenPlanOf(
      `name: gated
steps:
  - { key: build, title: Build }
  - key: ship
    title: Ship
    dependsOn: [build]
    requiresApproval: true
    when: { result: { step: build, contains: ready } }
`,
    );
    harness = await createHarness({
      store,
      script: {
        rules: [
          { role: 'executor', title: '^Build$', attempt: 1, respond: built('ready to ship') },
          ...rules,
        ],
        defaults: { ...passingDefaults, executor: built(redoneBuild) },
      },
      plan,
    });
    await approvedOnce('Ship');
    const build = await harness.node('Build');
    expect(build.result?.summary).toBe('ready to ship');
    return build;
  }

  /** {@link shipped}, then the drive of `resume --from-node Build`. */
  async function shippedOnce(redoneBuild: string) {
    const build = await shipped(redoneBuild);
    return harness!.drive({ redo: { nodeId: build.id, reason: 'again' } });
  }

  /** The approval requests stored for the node. */
  async function askedOf(nodeId: string) {
    const events = await harness!.store.listEvents(harness!.runId, nodeId);
    return events.filter((event) => event.type === 'request-approval');
  }

  it("checks a redone written gate's condition before it asks again: one that no longer holds is skipped", async () => {
    const redone = await shippedOnce('not yet');
    expect((await harness!.node('Build')).result?.summary).toBe('not yet');
    expect(redone.status).toBe('completed');
    const skipped = await harness!.node('Ship');
    expect(skipped.status).toBe('skipped');
    expect(skipped.error?.message).toContain('build');
    // It was never asked again, and round 1's approval no longer holds.
    expect(await askedOf(skipped.id)).toHaveLength(1);
    expect(skipped.approval?.decision).toBeNull();
  });

  it('asks a redone written gate whose condition still holds again, in a new round', async () => {
    expect((await shippedOnce('ready again')).status).toBe('awaiting_approval');
    const waiting = await harness!.node('Ship');
    expect(waiting.status).toBe('awaiting_approval');
    // Round 1's approval no longer holds.
    expect(waiting.approval).toMatchObject({ kind: 'gate', round: 2, decision: null });
  });

  it("does not hold a redone step's earlier answer as its result once it failed: the gate looking at it is skipped, not asked", async () => {
    // The redo's call and its re-ask answer no JSON, so Build fails, still holding round 1's answer.
    const build = await shipped(
      'ready again',
      [2, 3].map((attempt) => ({ role: 'executor', title: '^Build$', attempt, raw: 'not JSON' })),
    );
    expect((await harness!.drive({ redo: { nodeId: build.id, reason: 'again' } })).status).toBe('failed');
    expect((await harness!.node('Build')).status).toBe('failed');
    const ship = await harness!.node('Ship');
    expect(ship).toMatchObject({ status: 'skipped', error: { kind: 'condition' } });
    expect(ship.error?.message).toContain('the result of "build" does not contain "ready"');
    expect(await askedOf(ship.id)).toHaveLength(1);
  });

  describe('when the run is cancelled before a redone written gate asks, the resume checks its condition first', () => {
    /** Redoes Build, cancels the run while Build's call is out, and resumes it with failed branches reopened. */
    async function cancelledThenResumed(resumedBuild: string) {
      // The call the resume makes again is the same attempt: it answers the same.
      const slow = {
        role: 'executor',
        title: '^Build$',
        attempt: 2,
        delayMs: 300,
        respond: built(resumedBuild),
      };
      const build = await shipped(resumedBuild, [slow]);
      const redo = harness!.drive({ redo: { nodeId: build.id, reason: 'again' } });
      await waitFor('the redo of Build to call its executor', () =>
        harness!.calls.some((call) => call.title === 'Build' && call.attempt === 2),
      );
      harness!.engine!.stop('stopped by the test', 0);
      await redo;
      await cancelRun({
        store: harness!.store,
        runId: harness!.runId,
        actor: 'test',
        reason: 'cancelled by the test',
      });
      const ship = await harness!.node('Ship');
      // Its new round was opened as the redo reached it, and never asked.
      expect(ship).toMatchObject({ status: 'cancelled', approval: { round: 2, decision: null } });
      return harness!.drive({ reopenFailed: true });
    }

    it('skips it when the condition no longer holds', async () => {
      expect((await cancelledThenResumed('not yet')).status).toBe('completed');
      const ship = await harness!.node('Ship');
      expect(ship).toMatchObject({ status: 'skipped', error: { kind: 'condition' } });
      expect(await askedOf(ship.id)).toHaveLength(1);
    });

    it('asks its new round when the condition holds', async () => {
      expect((await cancelledThenResumed('ready again')).status).toBe('awaiting_approval');
      const ship = await harness!.node('Ship');
      expect(ship).toMatchObject({ status: 'awaiting_approval', approval: { round: 2, decision: null } });
      expect(await askedOf(ship.id)).toHaveLength(2);
    });
  });

  it('redoes a written step and the written steps that depend on it, without planning their levels again', async () => {
    const plan = writtenPlanOf(
      `name: nested
steps:
  - { key: schema, title: Schema }
  - key: api
    title: API
    dependsOn: [schema]
    steps:
      - { key: routes, title: Routes }
      - { key: tests, title: Tests, dependsOn: [routes] }
  - { key: docs, title: Docs }
`,
    );
    harness = await createHarness({
      store,
      script: { defaults: passingDefaults },
      plan,
    });
    expect((await harness.drive()).status).toBe('completed');
    const before = harness.calls.length;
    const schema = await harness.node('Schema');
    expect((await harness.drive({ redo: { nodeId: schema.id, reason: 'again' } })).status).toBe('completed');
    const again = callLog(before);
    expect([...again].sort()).toEqual(
      [
        'executor Schema',
        'checker Schema',
        'executor Routes',
        'checker Routes',
        'executor Tests',
        'checker Tests',
      ].sort(),
    );
    expect(again.indexOf('executor Routes')).toBeGreaterThan(again.indexOf('checker Schema'));
  });
});
