import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError, StoreError, UsageError, type ModelCall, type TaskNode } from '../src/domain/index.js';
import type { Store } from '../src/store/index.js';
import { describeScheduleContract } from './schedule-store-contract.js';
import { at, createdEvent, decisionOf, move, sampleChild, sampleRun, transitionWrite } from './support/sample-documents.js';

/** A fresh store for one test, a way to open a second instance on the same data, and clean-up. */
export interface StoreContractContext {
  store: Store;
  /** A new store instance on the same location (as another process, or after a restart, would open it). */
  reopen: () => Promise<Store>;
  cleanup: () => Promise<void>;
}

/**
 * The behaviour every store must have (DESIGN §4): the embedded and the MongoDB store both run this
 * suite. Documents are built with the domain's `newNode` and `transition`, as the engine builds them.
 *
 * On run locks: while a lock is held, any second `acquireRun` of that run fails — also from the same
 * process and whatever the owner — because a live holder is a live holder; after `release()` the run
 * can be acquired again.
 */
export function describeStoreContract(name: string, setup: () => Promise<StoreContractContext>): void {
  describe(`${name} (store contract)`, () => {
    let context: StoreContractContext;
    let store: Store;

    beforeEach(async () => {
      context = await setup();
      store = context.store;
    });
    afterEach(async () => {
      await context.cleanup();
    });

    /** A run with a root and two children at depth 1 and one grandchild. */
    async function treeRun(): Promise<{ runId: string; root: TaskNode; children: TaskNode[] }> {
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const first = sampleChild(root, 0);
      const second = sampleChild(root, 1);
      const grandchild = sampleChild(first, 0);
      await store.insertNodes([grandchild, second, first], [createdEvent(first), createdEvent(second)]);
      return { runId: run.id, root, children: [first, second, grandchild] };
    }

    /** A run whose node `1` waits for approval at round 1 (stored version 1). */
    async function waitingRun(): Promise<{ runId: string; node: TaskNode }> {
      const { run, root } = sampleRun();
      await store.createRun(run, root);
      const child = sampleChild(root, 0, { requiresApproval: true });
      await store.insertNodes([child]);
      const { patch, event } = move(child, {
        type: 'request-approval',
        kind: 'gate',
        reason: 'touches billing',
      });
      const node = await store.updateNode({
        runId: run.id,
        nodeId: child.id,
        expectedVersion: 0,
        patch,
        events: [event],
      });
      return { runId: run.id, node };
    }

    describe('runs', () => {
      it('stores a run with its root node and reads both back', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        expect(await store.getRun(run.id)).toEqual(run);
        expect(await store.getNode(run.id, root.id)).toEqual(root);
        expect(await store.listNodes(run.id)).toEqual([root]);
      });

      it('answers null for a run it does not know', async () => {
        expect(await store.getRun('run-unknown')).toBeNull();
      });

      it('lists runs newest first', async () => {
        const runs = [at(1), at(3), at(2)].map((createdAt) => sampleRun({ createdAt }));
        for (const { run, root } of runs) await store.createRun(run, root);
        const ids = new Set(runs.map(({ run }) => run.id));
        const listed = (await store.listRuns()).filter((run) => ids.has(run.id)).map((run) => run.createdAt);
        expect(listed).toEqual([at(3), at(2), at(1)]);
      });

      it('lists a page of runs: those in a state, after a given run in the list, at most N', async () => {
        // Two runs made in the same second are listed by id, the larger first.
        const made = [
          { id: 'run-a', createdAt: at(1), status: 'completed' },
          { id: 'run-b', createdAt: at(2), status: 'failed' },
          { id: 'run-c', createdAt: at(2), status: 'completed' },
          { id: 'run-d', createdAt: at(3), status: 'completed' },
        ] as const;
        for (const { id, createdAt, status } of made) {
          const { run, root } = sampleRun({ id, createdAt });
          await store.createRun(run, root);
          await store.updateRun(id, { status });
        }
        const ids = async (options: Parameters<Store['listRuns']>[0]) =>
          (await store.listRuns(options)).map((run) => run.id);
        expect(await ids({})).toEqual(['run-d', 'run-c', 'run-b', 'run-a']);
        expect(await ids({ limit: 2 })).toEqual(['run-d', 'run-c']);
        expect(await ids({ limit: 0 })).toEqual([]);
        const c = (await store.getRun('run-c'))!;
        expect(await ids({ after: c })).toEqual(['run-b', 'run-a']);
        expect(await ids({ after: c, limit: 1 })).toEqual(['run-b']);
        expect(await ids({ status: 'completed' })).toEqual(['run-d', 'run-c', 'run-a']);
        expect(await ids({ status: 'completed', after: c })).toEqual(['run-a']);
        // The run a page ended on need not be in the state asked for (it may have moved on).
        expect(await ids({ status: 'completed', after: (await store.getRun('run-b'))!, limit: 5 })).toEqual([
          'run-a',
        ]);
        expect(await ids({ after: (await store.getRun('run-a'))! })).toEqual([]);
      });

      it('updates a run and returns the updated document', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const updated = await store.updateRun(run.id, { status: 'completed', endedAt: at(9), nodeCount: 4 });
        expect(updated).toEqual({ ...run, status: 'completed', endedAt: at(9), nodeCount: 4 });
        expect(await store.getRun(run.id)).toEqual(updated);
      });

      it('refuses to update a run it does not know', async () => {
        await expect(store.updateRun('run-unknown', { status: 'failed' })).rejects.toBeInstanceOf(StoreError);
        await expect(store.updateRun('run-unknown', { status: 'failed' }, { unlessStatus: ['completed'] })).rejects.toBeInstanceOf(StoreError);
      });

      it('leaves a run in one of the statuses it is told to leave, and answers it unchanged', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const completed = await store.updateRun(run.id, { status: 'completed', endedAt: at(9) });
        const left = await store.updateRun(run.id, { status: 'cancelled' }, { unlessStatus: ['completed', 'cancelled'] });
        expect(left).toEqual(completed);
        expect(await store.getRun(run.id)).toEqual(completed);
        // Any other status is patched.
        expect((await store.updateRun(run.id, { status: 'failed' }, { unlessStatus: ['cancelled'] })).status).toBe('failed');
      });
    });

    describe('nodes', () => {
      it('lists the nodes of a run by depth, then order', async () => {
        const { runId, root, children } = await treeRun();
        const listed = await store.listNodes(runId);
        expect(listed.map((node) => node.id)).toEqual([root.id, '1', '2', '1.1']);
        expect(listed[3]).toEqual(children[2]);
        expect(await store.getNode(runId, '2')).toEqual(children[1]);
      });

      it('leaves existing nodes as they are when the same ids are inserted again', async () => {
        const { runId, root, children } = await treeRun();
        const renamed = { ...children[0]!, title: 'Renamed' };
        await store.insertNodes([renamed, sampleChild(root, 2)]);
        expect(await store.getNode(runId, '1')).toEqual(children[0]);
        expect((await store.listNodes(runId)).map((node) => node.id)).toEqual(['0', '1', '2', '3', '1.1']);
      });

      it('answers null for a node it does not know', async () => {
        const { runId } = await treeRun();
        expect(await store.getNode(runId, '9')).toBeNull();
        expect(await store.listNodes('run-unknown')).toEqual([]);
      });

      it('bumps the version on a conditional update and returns the stored node', async () => {
        const { runId, children } = await treeRun();
        const { node, patch, event } = move(children[1]!, { type: 'deps-met' });
        const stored = await store.updateNode({ runId, nodeId: node.id, expectedVersion: 0, patch, events: [event] });
        expect(stored).toEqual(node);
        expect(stored).toMatchObject({ status: 'ready', version: 1 });
        expect(await store.getNode(runId, node.id)).toEqual(node);
      });

      it('refuses an update against a stale version with a ConflictError naming run and node', async () => {
        const { runId, children } = await treeRun();
        const { patch } = move(children[1]!, { type: 'deps-met' });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, patch });
        await expect(store.updateNode({ runId, nodeId: '2', expectedVersion: 0, patch })).rejects.toSatisfy(
          (error) => error instanceof ConflictError && error.runId === runId && error.nodeId === '2',
        );
        expect(await store.getNode(runId, '2')).toMatchObject({ version: 1 });
      });

      it("sees another instance's update of a node: the old version is a conflict, the new one is written", async () => {
        const { runId, children } = await treeRun();
        const [first, second] = [children[0]!, children[1]!];
        await store.getNode(runId, second.id);
        const other = await context.reopen();
        try {
          const { patch } = move(second, { type: 'deps-met' });
          await other.updateNode({ runId, nodeId: second.id, expectedVersion: 0, patch });
          await expect(store.updateNode({ runId, nodeId: second.id, expectedVersion: 0, patch })).rejects.toBeInstanceOf(ConflictError);
          const again = await other.updateNode({ runId, nodeId: first.id, expectedVersion: 0, patch: { description: 'by the other' } });
          // This instance has not read the first child's new version yet; an update at it still goes through.
          const updated = await store.updateNode({ runId, nodeId: first.id, expectedVersion: again.version, patch: { description: 'then this one' } });
          expect(updated).toMatchObject({ version: again.version + 1, description: 'then this one' });
        } finally {
          await other.close();
        }
      });

      it('refuses an update of an unknown node with a StoreError that is not a conflict', async () => {
        const { runId, children } = await treeRun();
        const { patch } = move(children[1]!, { type: 'deps-met' });
        const error = await store
          .updateNode({ runId, nodeId: '9', expectedVersion: 0, patch })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreError);
        expect(error).not.toBeInstanceOf(ConflictError);
      });

      it('lets exactly one of many concurrent updates with the same expected version win', async () => {
        const { runId, children } = await treeRun();
        const writes = Array.from({ length: 20 }, (_, index) => {
          const patch = { ...move(children[1]!, { type: 'deps-met' }).patch, description: `writer ${index}` };
          return store.updateNode({ runId, nodeId: '2', expectedVersion: 0, patch });
        });
        const settled = await Promise.allSettled(writes);
        const won = settled.filter((outcome) => outcome.status === 'fulfilled');
        const lost = settled.filter((outcome) => outcome.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost.every((outcome) => outcome.reason instanceof ConflictError)).toBe(true);
        const stored = await store.getNode(runId, '2');
        expect(stored).toMatchObject({ version: 1, description: won[0]!.value.description });
      });
    });

    describe('model calls', () => {
      function call(runId: string, nodeId: string, seconds: number, answer: string | null = '{"ok":true}'): ModelCall {
        return {
          schemaVersion: 1,
          runId,
          nodeId,
          role: 'executor',
          attempt: 1,
          system: 'You are the executor.',
          messages: [{ role: 'user', content: `Do node ${nodeId}` }],
          answer,
          finishReason: answer === null ? null : 'complete',
          usage: answer === null ? null : { calls: 1, inputTokens: 10, outputTokens: 5, cachedTokens: 0, costUsd: null },
          error: answer === null ? 'HTTP 500' : null,
          startedAt: at(seconds),
          endedAt: at(seconds + 1),
        };
      }

      it('lists the calls of a run, and of one node, in the order they started, from another instance too', async () => {
        const { runId } = await treeRun();
        await store.recordCall(call(runId, '2', 5));
        await store.recordCall(call(runId, '1', 3, null));
        await store.recordCall(call(runId, '2', 7));

        expect(await store.listCalls(runId)).toEqual([call(runId, '1', 3, null), call(runId, '2', 5), call(runId, '2', 7)]);
        const second = await context.reopen();
        expect((await second.listCalls(runId, '2')).map((entry) => entry.startedAt)).toEqual([at(5), at(7)]);
        expect(await second.listCalls(runId, '9')).toEqual([]);
      });

      it('answers no calls for a run without any', async () => {
        const { runId } = await treeRun();
        expect(await store.listCalls(runId)).toEqual([]);
        expect(await store.listCalls('run-unknown')).toEqual([]);
      });

      it('refuses a call that is not a valid document', async () => {
        const { runId } = await treeRun();
        const invalid = { ...call(runId, '1', 1), role: 'poet' } as unknown as ModelCall;
        await expect(store.recordCall(invalid)).rejects.toThrow(StoreError);
      });
    });

    describe('events', () => {
      it('lists the events of a run, and of one node, in the order they were written', async () => {
        const { runId, children } = await treeRun();
        const ready = move(children[1]!, { type: 'deps-met' });
        await store.updateNode({
          runId,
          nodeId: '2',
          expectedVersion: 0,
          ...transitionWrite(ready),
        });
        const started = move(
          ready.node,
          { type: 'start', lease: { owner: 'w', token: 't', expiresAt: at(60) } },
          3,
        );
        await store.updateNode({
          runId,
          nodeId: '2',
          expectedVersion: 1,
          ...transitionWrite(started),
        });

        const events = await store.listEvents(runId);
        expect(events.map((event) => `${event.nodeId}:${event.type}`)).toEqual([
          '1:create',
          '2:create',
          '2:deps-met',
          '2:start',
        ]);
        expect(events[3]).toEqual(started.event);
        expect((await store.listEvents(runId, '2')).map((event) => event.type)).toEqual([
          'create',
          'deps-met',
          'start',
        ]);
        expect(await store.listEvents(runId, '1.1')).toEqual([]);
      });

      it('says, while a write of events is on its way, the time of its earliest event (MongoDB; the embedded journal never has one)', async () => {
        const { runId, children } = await treeRun();
        const ready = move(children[1]!, { type: 'deps-met' });
        const writing = store.updateNode({ runId, nodeId: '2', expectedVersion: 0, ...transitionWrite(ready) });
        expect(store.eventsWrittenUntil(runId)).toBe(store.kind === 'mongodb' ? ready.event.at : null);
        await writing;
        expect(store.eventsWrittenUntil(runId)).toBeNull();
      });

      it('counts the nodes of a run in each status, without statuses that have none', async () => {
        const { runId, children } = await treeRun();
        const ready = move(children[1]!, { type: 'deps-met' });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, ...transitionWrite(ready) });
        const counts: Record<string, number> = {};
        for (const node of await store.listNodes(runId)) counts[node.status] = (counts[node.status] ?? 0) + 1;
        expect(await store.countNodes(runId)).toEqual(counts);
        expect(Object.values(await store.countNodes(runId)).reduce((sum, count) => sum + count, 0)).toBe((await store.listNodes(runId)).length);
        expect(await store.countNodes('r-none')).toEqual({});
      });

      it('gives each event its seq, dense from 1 in the order of the writes, and lists the events after any seq', async () => {
        const { runId, children } = await treeRun();
        const ready = move(children[1]!, { type: 'deps-met' });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, ...transitionWrite(ready) });
        const started = move(ready.node, { type: 'start', lease: { owner: 'w', token: 't', expiresAt: at(60) } }, 3);
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 1, ...transitionWrite(started) });
        const all = await store.listEvents(runId);
        const sequenced = await store.listEventsAfter(runId, 0);
        expect(sequenced.map((event) => event.seq)).toEqual([1, 2, 3, 4]);
        // listEvents lists the same events, in the same order here, without their seqs.
        expect(sequenced.map(({ seq: _seq, ...event }) => event)).toEqual(all);
        for (let after = 0; after <= all.length + 1; after++)
          expect(await store.listEventsAfter(runId, after), `after ${after}`).toEqual(sequenced.slice(after));
        expect(await store.listEventsAfter(runId, 1, { limit: 2 })).toEqual(sequenced.slice(1, 3));
        expect(await store.listEventsAfter('r-none', 0)).toEqual([]);
        expect(store.eventSeqsPending(runId)).toEqual({ writing: null, abandoned: new Set() });
      });

      it('goes on with the seqs when the run is driven again, past only the seqs of refused writes', async () => {
        const { runId, children } = await treeRun();
        const lock = await store.acquireRun(runId, 'engine A');
        const ready = move(children[1]!, { type: 'deps-met' });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, ...transitionWrite(ready), current: children[1]! });
        // A stale write is refused: its event is not stored (nor its seq, on any store).
        const stale = move(children[1]!, { type: 'deps-met' });
        await expect(
          store.updateNode({
            runId,
            nodeId: '2',
            expectedVersion: 0,
            patch: { ...stale.patch, title: 'stale' },
            events: [stale.event],
            current: children[1]!,
          }),
        ).rejects.toThrow(ConflictError);
        await lock.release();
        const next = await context.reopen();
        const again = await next.acquireRun(runId, 'engine B');
        const started = move(ready.node, { type: 'start', lease: { owner: 'w', token: 't', expiresAt: at(60) } }, 3);
        await next.updateNode({ runId, nodeId: '2', expectedVersion: 1, ...transitionWrite(started), current: ready.node });
        await again.release();

        const seqs = (await next.listEventsAfter(runId, 0)).map((event) => event.seq!);
        expect(seqs).toHaveLength(4);
        const abandoned = store.eventSeqsPending(runId).abandoned;
        // Increasing, and every seq below the last is an event's or one the refused write held.
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        for (let seq = 1; seq <= seqs[seqs.length - 1]!; seq++)
          expect(seqs.includes(seq) || abandoned.has(seq), `seq ${seq}`).toBe(true);
        expect(abandoned.size).toBe(store.kind === 'mongodb' ? 1 : 0);
        expect((await next.listEventsAfter(runId, seqs[2]!)).map((event) => event.type)).toEqual(['start']);
      });

      it('stores several transitions in one write, one version each, and refuses the next write on a stale version', async () => {
        const { runId, children } = await treeRun();
        const ready = move(children[1]!, { type: 'deps-met' });
        const started = move(ready.node, { type: 'start', lease: { owner: 'w', token: 't', expiresAt: at(60) } });
        const stored = await store.updateNode({
          runId,
          nodeId: '2',
          expectedVersion: 0,
          patch: { ...ready.patch, ...started.patch },
          events: [ready.event, started.event],
        });
        expect(stored).toEqual(started.node);
        expect(await store.getNode(runId, '2')).toEqual(started.node);
        expect(await store.listEvents(runId, '2')).toEqual([createdEvent(children[1]!), ready.event, started.event]);
        // The node moved two versions: a writer that read version 1 lost the race.
        await expect(
          store.updateNode({ runId, nodeId: '2', expectedVersion: 1, patch: { title: 'late' } }),
        ).rejects.toThrow(ConflictError);
      });

      it('inserts a node already moved on with all its events, one version each', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const child = sampleChild(root, 0, { status: 'ready' });
        const started = move(child, { type: 'start', lease: { owner: 'w', token: 't', expiresAt: at(60) } });
        await store.insertNodes([started.node], [createdEvent(child), started.event]);
        expect(await store.getNode(run.id, child.id)).toEqual(started.node);
        expect(started.node).toMatchObject({ status: 'running', version: 1 });
        // The node's next write takes it on from version 1, and its event is the third.
        const submitted = move(started.node, { type: 'submit' }, 3);
        await store.updateNode({ runId: run.id, nodeId: child.id, expectedVersion: 1, ...transitionWrite(submitted) });
        expect(await store.listEvents(run.id, child.id)).toEqual([createdEvent(child), started.event, submitted.event]);
        const reopened = await context.reopen();
        try {
          expect(await reopened.listEvents(run.id, child.id)).toEqual([
            createdEvent(child),
            started.event,
            submitted.event,
          ]);
        } finally {
          await reopened.close();
        }
      });

      it('does not store the events of a repeated insert twice', async () => {
        const { runId, children } = await treeRun();
        await store.insertNodes(
          [children[0]!, children[1]!],
          [createdEvent(children[0]!), createdEvent(children[1]!)],
        );
        expect(await store.listEvents(runId)).toHaveLength(2);
      });
    });

    describe('decisions', () => {
      it('refuses a decision on a node that is not waiting for approval', async () => {
        const { runId } = await treeRun();
        const result = await store.recordDecision(runId, '2', decisionOf('approve'));
        expect(result.success).toBe(false);
        expect(await store.pendingDecisions(runId)).toEqual([]);
      });

      it('refuses a decision for another approval round', async () => {
        const { runId, node } = await waitingRun();
        expect((await store.recordDecision(runId, node.id, decisionOf('approve', 2))).success).toBe(false);
      });

      it('refuses a decision that does not answer the kind of approval', async () => {
        const { runId, node } = await waitingRun();
        expect((await store.recordDecision(runId, node.id, decisionOf('retry'))).success).toBe(false);
      });

      it('refuses a second decision on the same round', async () => {
        const { runId, node } = await waitingRun();
        expect(await store.recordDecision(runId, node.id, decisionOf('approve', 1, 'ana'))).toEqual({
          success: true,
          value: undefined,
        });
        const second = await store.recordDecision(runId, node.id, decisionOf('reject', 1, 'bob'));
        expect(second.success).toBe(false);
        expect(await store.pendingDecisions(runId)).toEqual([
          { nodeId: node.id, decision: decisionOf('approve', 1, 'ana') },
        ]);
      });

      it('shows a recorded decision on the node before the engine applies it', async () => {
        const { runId, node } = await waitingRun();
        const decision = decisionOf('approve');
        await store.recordDecision(runId, node.id, decision);
        const seen = await store.getNode(runId, node.id);
        expect(seen).toEqual({ ...node, approval: { ...node.approval!, decision } });
        expect((await store.listNodes(runId)).find((listed) => listed.id === node.id)).toEqual(seen);
      });

      it('clears a pending decision once the engine applies it', async () => {
        const { runId, node } = await waitingRun();
        const decision = decisionOf('approve');
        await store.recordDecision(runId, node.id, decision);
        const seen = (await store.getNode(runId, node.id))!;
        const decided = move(seen, { type: 'decide', decision, depsMet: true }, 31);
        await store.updateNode({
          runId,
          nodeId: node.id,
          expectedVersion: seen.version,
          ...transitionWrite(decided),
        });

        expect(await store.pendingDecisions(runId)).toEqual([]);
        expect(await store.getNode(runId, node.id)).toMatchObject({
          status: 'ready',
          approval: { decision },
          version: 2,
        });
        expect((await store.recordDecision(runId, node.id, decisionOf('reject'))).success).toBe(false);
      });
    });

    describe('persistence', () => {
      it('keeps runs, nodes, events and decisions in a new store instance', async () => {
        const { runId, node } = await waitingRun();
        await store.recordDecision(runId, node.id, decisionOf('approve'));
        const before = { run: await store.getRun(runId), nodes: await store.listNodes(runId) };
        const events = await store.listEvents(runId);

        const reopened = await context.reopen();
        try {
          expect(await reopened.getRun(runId)).toEqual(before.run);
          expect(await reopened.listNodes(runId)).toEqual(before.nodes);
          expect(await reopened.listEvents(runId)).toEqual(events);
          expect(await reopened.pendingDecisions(runId)).toEqual([
            { nodeId: node.id, decision: decisionOf('approve') },
          ]);
        } finally {
          await reopened.close();
        }
      });
    });

    describe('shared runs', () => {
      it('lists the nodes updated after a moment, and none of the others', async () => {
        const { runId, children } = await treeRun();
        const { patch, event } = move(children[1]!, { type: 'deps-met' }, 20);
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, patch, events: [event] });
        const updated = await store.listNodesUpdatedSince(runId, at(10));
        expect(updated.map((node) => node.id)).toEqual(['2']);
        expect(updated[0]).toMatchObject({ status: 'ready', version: 1 });
        expect(await store.listNodesUpdatedSince(runId, at(20))).toEqual([]);
      });

      it('leaves out the updated nodes the caller already holds at that version or newer', async () => {
        const { runId, children } = await treeRun();
        const { patch, event } = move(children[1]!, { type: 'deps-met' }, 20);
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, patch, events: [event] });
        const held = (version: number) => (id: string) => (id === '2' ? version : undefined);
        expect((await store.listNodesUpdatedSince(runId, at(10), held(0))).map((node) => node.id)).toEqual(['2']);
        expect(await store.listNodesUpdatedSince(runId, at(10), held(1))).toEqual([]);
        expect(await store.listNodesUpdatedSince(runId, at(10), held(2))).toEqual([]);
      });

      it('renews a lease by its token without bumping the version, and refuses another token', async () => {
        const { runId, children } = await treeRun();
        const ready = move(children[1]!, { type: 'deps-met' });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, patch: ready.patch });
        const started = move(ready.node, { type: 'start', lease: { owner: 'w1', token: 't1', expiresAt: at(60) } });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 1, patch: { ...started.patch, worker: 'w1' } });

        expect(await store.renewLease({ runId, nodeId: '2', token: 't1', expiresAt: at(90) })).toBe(true);
        expect(await store.renewLease({ runId, nodeId: '2', token: 'other', expiresAt: at(99) })).toBe(false);
        expect(await context.reopen().then((second) => second.getNode(runId, '2'))).toMatchObject({
          version: 2,
          worker: 'w1',
          lease: { owner: 'w1', token: 't1', expiresAt: at(90) },
        });
      });

      it('fences a worker whose lease was taken over: its renewal and its next write are refused', async () => {
        const { runId, children } = await treeRun();
        const ready = move(children[1]!, { type: 'deps-met' });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 0, patch: ready.patch });
        const started = move(ready.node, { type: 'start', lease: { owner: 'w1', token: 't1', expiresAt: at(60) } });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 1, patch: started.patch });
        // Another worker finds the lease expired and takes the node back to ready.
        const paused = move(started.node, { type: 'pause', reason: 'lease of w1 expired' });
        await store.updateNode({ runId, nodeId: '2', expectedVersion: 2, ...transitionWrite(paused) });

        expect(await store.renewLease({ runId, nodeId: '2', token: 't1', expiresAt: at(90) })).toBe(false);
        const late = move(started.node, { type: 'submit' });
        await expect(
          store.updateNode({ runId, nodeId: '2', expectedVersion: 2, ...transitionWrite(late) }),
        ).rejects.toBeInstanceOf(ConflictError);
        expect(await store.getNode(runId, '2')).toMatchObject({ status: 'ready', lease: null, version: 3 });
      });

      it('reserves no more calls than the budget allows, however many ask at once', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const limits = { maxCalls: 3, maxTokens: null, maxCostUsd: null };
        const asked = await Promise.all(
          Array.from({ length: 8 }, () => store.reserveBudget({ runId: run.id, limits, tokens: 10 })),
        );
        expect(asked.filter((answer) => answer.reserved)).toHaveLength(3);
        expect(asked.find((answer) => !answer.reserved)).toMatchObject({ reserved: false, budget: 'maxCalls' });

        // A call given back frees its place; a settled one counts in the run's usage.
        await store.settleBudget({ runId: run.id, tokens: 10, usage: null });
        const usage = { calls: 1, inputTokens: 12, outputTokens: 3, cachedTokens: 0, costUsd: 0.5 };
        await store.settleBudget({ runId: run.id, tokens: 10, usage });
        expect(await store.reserveBudget({ runId: run.id, limits, tokens: 10 })).toEqual({ reserved: true });
        expect(await store.reserveBudget({ runId: run.id, limits, tokens: 10 })).toMatchObject({ reserved: false });
        expect((await store.getRun(run.id))?.usage).toEqual(usage);
      });

      it('reserves from one budget through two store instances, and counts every call settled at once', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const second = await context.reopen();
        try {
          const limits = { maxCalls: 4, maxTokens: null, maxCostUsd: null };
          const asked = await Promise.all(
            Array.from({ length: 8 }, (_, index) =>
              (index % 2 === 0 ? store : second).reserveBudget({ runId: run.id, limits, tokens: 10 }),
            ),
          );
          expect(asked.filter((answer) => answer.reserved)).toHaveLength(4);
          const usage = { calls: 1, inputTokens: 10, outputTokens: 2, cachedTokens: 0, costUsd: 0.25 };
          await Promise.all(
            Array.from({ length: 4 }, (_, index) =>
              (index % 2 === 0 ? store : second).settleBudget({ runId: run.id, tokens: 10, usage }),
            ),
          );
          expect((await store.getRun(run.id))?.usage).toEqual({
            calls: 4,
            inputTokens: 40,
            outputTokens: 8,
            cachedTokens: 0,
            costUsd: 1,
          });
          expect(await second.reserveBudget({ runId: run.id, limits, tokens: 10 })).toMatchObject({ reserved: false });
        } finally {
          await second.close();
        }
      });

      it('reserves every call asked for at once while the budget has room, the first ones included', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const limits = { maxCalls: 100, maxTokens: 10_000, maxCostUsd: null };
        const asked = await Promise.all(
          Array.from({ length: 8 }, () => store.reserveBudget({ runId: run.id, limits, tokens: 10 })),
        );
        expect(asked).toEqual(Array.from({ length: 8 }, () => ({ reserved: true })));
      });

      it('refuses a call once the tokens or the cost are spent', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const runId = run.id;
        const tokenLimits = { maxCalls: null, maxTokens: 100, maxCostUsd: null };
        expect(await store.reserveBudget({ runId, limits: tokenLimits, tokens: 10 })).toEqual({ reserved: true });
        await store.settleBudget({
          runId,
          tokens: 10,
          usage: { calls: 1, inputTokens: 90, outputTokens: 20, cachedTokens: 0, costUsd: 2 },
        });
        expect(await store.reserveBudget({ runId, limits: tokenLimits, tokens: 10 })).toMatchObject({
          reserved: false,
          budget: 'maxTokens',
          run: { usage: { inputTokens: 90, outputTokens: 20 } },
        });
        const costLimits = { maxCalls: null, maxTokens: null, maxCostUsd: 1 };
        expect(await store.reserveBudget({ runId, limits: costLimits, tokens: 10 })).toMatchObject({
          reserved: false,
          budget: 'maxCostUsd',
        });
      });

      it('lists the runs still open for work', async () => {
        const open = sampleRun();
        const done = sampleRun();
        await store.createRun(open.run, open.root);
        await store.createRun(done.run, done.root);
        await store.updateRun(done.run.id, { status: 'completed' });
        const ids = async () => (await store.listOpenRuns()).map((run) => run.id);
        expect(await ids()).toContain(open.run.id);
        expect(await ids()).not.toContain(done.run.id);
        // A run some process holds is not open for others to take.
        const lock = await store.acquireRun(open.run.id, 'test');
        expect(await ids()).not.toContain(open.run.id);
        // Nor is it an orphan, before or after: held by a live process, then let go.
        const orphans = async () => (await store.listOrphanedRuns()).map((run) => run.id);
        expect(await orphans()).not.toContain(open.run.id);
        await lock.release();
        expect(await ids()).toContain(open.run.id);
        expect(await orphans()).not.toContain(open.run.id);
      });

      it('lists workers by their heartbeats and forgets a removed one', async () => {
        const beat = (id: string, heartbeatAt: string) => ({
          id,
          host: 'h',
          pid: 1,
          roles: ['executor' as const],
          concurrency: 4,
          startedAt: heartbeatAt,
          heartbeatAt,
          running: [{ runId: 'r-1', nodeId: '2', role: 'executor' as const }],
        });
        const recent = new Date().toISOString();
        const id = `w-${Math.random().toString(36).slice(2, 8)}`;
        await store.heartbeat(beat(`${id}-a`, recent));
        await store.heartbeat(beat(`${id}-b`, at(0)));
        await store.heartbeat({ ...beat(`${id}-a`, recent), running: [] });
        const live = (await store.listWorkers(60_000)).filter((worker) => worker.id.startsWith(id));
        expect(live).toEqual([{ ...beat(`${id}-a`, recent), running: [] }]);
        await store.removeWorker(`${id}-a`);
        expect((await store.listWorkers(60_000)).filter((worker) => worker.id.startsWith(id))).toEqual([]);
      });
    });

    describe('run locks', () => {
      it('refuses a second acquire while the first holder is live, naming its owner', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        const lock = await store.acquireRun(run.id, 'engine A');
        await expect(store.acquireRun(run.id, 'engine B')).rejects.toSatisfy(
          (error) => error instanceof UsageError && error.message.includes('engine A'),
        );
        await lock.release();
      });

      it('lets the run be acquired again after release', async () => {
        const { run, root } = sampleRun();
        await store.createRun(run, root);
        await (await store.acquireRun(run.id, 'engine A')).release();
        const again = await store.acquireRun(run.id, 'engine B');
        await again.release();
      });
    });

    describeScheduleContract(() => ({ store, reopen: () => context.reopen() }));
  });
}
