import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRun, getTree } from '../../src/api/index.js';
import type { Store } from '../../src/store/index.js';
import { serve, type RunningService } from '../../src/service/index.js';
import { makeTempDir, waitFor } from '../support/cli.js';
import { harnessStorage, type HarnessStorage } from '../support/harness-storage.js';
import { at, sampleRun } from '../support/sample-documents.js';
import { ServiceClient, type StreamMessage } from '../support/service-client.js';
import { storesUnderTest } from '../support/stores-under-test.js';
import { artifactTasks, eightTasks, gateBesideSlowSibling, quickTaskThenGate, sixSlowTasks } from './service-scripts.js';

const token = 'test-token-0123456789abcdef';
const slow = { timeout: 60_000 };

interface EventsPage {
  events: Array<{ seq: number; event: Record<string, unknown> }>;
  last: number;
}

describe.each(storesUnderTest())('arbor serve on the %s store', (kind) => {
  let dir: string;
  let store: Store;
  let service: RunningService;
  let client: ServiceClient;
  let remove: () => Promise<void>;
  let storage: HarnessStorage;

  beforeEach(async () => {
    dir = await makeTempDir('arbor-serve-');
    storage = await harnessStorage(kind, dir);
    remove = storage.remove;
    store = await storage.open();
    // Feeds hold only the latest 8 events: a client that joins further behind reads the rest from the store.
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200, feedKeepEvents: 8 });
    client = new ServiceClient(service.url, token);
  });
  afterEach(async () => {
    await service.close(0);
    await store.close();
    await remove();
  });

  /** Writes a script into the test's folder and returns its `llm` spec. */
  async function script(text: string): Promise<string> {
    const file = path.join(dir, `script-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, text);
    return `script:${file}`;
  }

  async function startRun(text: string, extra: Record<string, unknown> = {}): Promise<string> {
    const answer = await client.post<{ runId: string }>('/v1/runs', { prompt: 'Build it', llm: await script(text), ...extra });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.headers.get('location')).toBe(`/v1/runs/${answer.body.runId}`);
    return answer.body.runId;
  }

  async function storedEvents(runId: string): Promise<EventsPage['events']> {
    return (await client.get<EventsPage>(`/v1/runs/${runId}/events?limit=5000`)).body.events;
  }

  /** Waits until the run has `status` and the stream has every stored event. */
  async function streamToEnd(stream: ReturnType<ServiceClient['stream']>, runId: string, status: string): Promise<void> {
    await stream.until(`run ${status}`, (s) => s.messages.some((m) => m.kind === 'run' && m.status === status));
    const stored = await storedEvents(runId);
    await stream.until(`all ${stored.length} events`, (s) => (s.events[s.events.length - 1]?.seq ?? 0) >= stored.length);
  }

  it('starts a run and streams its events to the end, the same ones the events route lists', slow, async () => {
    const runId = await startRun(eightTasks);
    const stream = client.stream(runId, 0);
    await streamToEnd(stream, runId, 'completed');
    await stream.close();
    const stored = await storedEvents(runId);
    expect(stream.events.map((m) => m.seq)).toEqual(stored.map((_, index) => index + 1));
    expect(stream.events.map((m) => m.event)).toEqual(stored.map((entry) => entry.event));

    const summary = await client.get<{ run: { status: string; usage: { calls: number } }; counts: Record<string, number> }>(`/v1/runs/${runId}`);
    expect(summary.body.run.status).toBe('completed');
    expect(summary.body.counts).toEqual({ completed: 9 });
    expect(summary.body.run.usage.calls).toBeGreaterThan(8);
    const tree = await client.get<{ status: string; root: { children: Array<{ id: string; title: string }> } }>(`/v1/runs/${runId}/tree`);
    expect(tree.body.status).toBe('completed');
    expect(tree.body.root.children.map((child) => child.title)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((key) => `Task ${key}`));
    const node = await client.get<{ node: { title: string }; calls: Array<{ role: string }> }>(`/v1/runs/${runId}/nodes/${tree.body.root.children[0]!.id}`);
    expect(node.body.node.title).toBe('Task a');
    expect(node.body.calls.map((call) => call.role)).toEqual(['executor', 'checker']);
    const stats = await client.get<{ criticalPath: unknown[]; byRole: unknown }>(`/v1/runs/${runId}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body.criticalPath.length).toBeGreaterThan(0);
    const list = await client.get<{ runs: Array<{ run: { id: string } }>; nextCursor: string | null }>('/v1/runs?status=completed');
    expect(list.body.runs.map((entry) => entry.run.id)).toEqual([runId]);
  });

  it('takes a decision through the API while a sibling branch runs on', slow, async () => {
    const runId = await startRun(gateBesideSlowSibling);
    let approvals: Array<{ nodeId: string; title: string; actions: string[] }> = [];
    await waitFor('the gate to wait', async () => {
      approvals = (await client.get<{ approvals: typeof approvals }>(`/v1/runs/${runId}/approvals`)).body.approvals;
      return approvals.length === 1;
    });
    expect(approvals[0]).toMatchObject({ title: 'Ship it', actions: ['approve', 'reject', 'edit'] });
    const across = await client.get<{ approvals: Array<{ runId: string; nodeId: string; prompt: string }> }>('/v1/approvals');
    expect(across.body.approvals).toEqual([expect.objectContaining({ runId, nodeId: approvals[0]!.nodeId, prompt: 'Build it' })]);
    // The server drives the run: its tree, approvals and counts come from the engine, with no read
    // of the run or its nodes (under load each waits behind the runs' writes), and are the stored ones.
    const reads = [vi.spyOn(store, 'getRun'), vi.spyOn(store, 'listNodes'), vi.spyOn(store, 'countNodes')];
    const tree = await client.get<{ root: { children: Array<{ id: string; title: string; status: string }> } }>(`/v1/runs/${runId}/tree`);
    const fromEngine = await client.get<{ approvals: typeof approvals }>(`/v1/runs/${runId}/approvals`);
    const allFromEngine = await client.get<{ approvals: Array<{ nodeId: string }> }>('/v1/approvals');
    const counted = await client.get<{ run: { id: string }; counts: Record<string, number> }>(`/v1/runs/${runId}`);
    const listed = await client.get<{ runs: Array<{ counts: Record<string, number> }> }>('/v1/runs');
    const events = await client.get<EventsPage>(`/v1/runs/${runId}/events?after=0&limit=1000`);
    expect(reads.map((read) => read.mock.calls.length)).toEqual([0, 0, 0]);
    for (const read of reads) read.mockRestore();
    expect(fromEngine.body.approvals).toEqual(approvals);
    expect(allFromEngine.body.approvals.map((approval) => approval.nodeId)).toEqual([approvals[0]!.nodeId]);
    expect(counted.body.run.id).toBe(runId);
    expect(listed.body.runs[0]!.counts).toEqual(counted.body.counts);
    expect(counted.body.counts.awaiting_approval).toBe(1);
    // The events route knows the run without reading it, and pages the stored events in seq order.
    const storedSeqs = (await store.listEventsAfter(runId, 0)).map((event) => event.seq);
    expect(events.body.events.length).toBeGreaterThan(0);
    expect(events.body.events.map((event) => event.seq)).toEqual(storedSeqs.slice(0, events.body.events.length));
    const sibling = tree.body.root.children.find((child) => child.title === 'Build the slow part')!;
    expect(sibling.status).toBe('running');
    expect(tree.body).toEqual(JSON.parse(JSON.stringify(await getTree(store, runId))));

    // A description belongs to an edit: with an approve it is refused, not dropped.
    const mixed = await client.post(`/v1/runs/${runId}/nodes/${approvals[0]!.nodeId}/decision`, { action: 'approve', description: 'ship to staging' });
    expect(mixed.status).toBe(400);
    expect(mixed.body).toMatchObject({
      detail: 'a new description goes with an edit, not with "approve"',
      fix: 'send "action": "edit" with the description, or leave "description" out',
    });
    const decided = await client.post(`/v1/runs/${runId}/nodes/${approvals[0]!.nodeId}/decision`, { action: 'approve', by: 'ci-bot' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect(decided.body).toMatchObject({ action: 'approve', by: 'ci-bot' });
    const again = await client.post(`/v1/runs/${runId}/nodes/${approvals[0]!.nodeId}/decision`, { action: 'approve' });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(again.body.detail).toMatch(/not waiting|already decided/);

    await waitFor('the run to complete', async () => (await client.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === 'completed');
    expect((await client.get<{ approvals: unknown[] }>('/v1/approvals')).body.approvals).toEqual([]);
    const gate = await client.get<{ node: { status: string; approval: { decision: { by: string } } } }>(`/v1/runs/${runId}/nodes/${approvals[0]!.nodeId}`);
    expect(gate.body.node.status).toBe('completed');
    expect(gate.body.node.approval.decision.by).toBe('ci-bot');
  });

  it('stores a run that only a person can move on as awaiting_approval, and as running again once decided', slow, async () => {
    const runId = await startRun(quickTaskThenGate);
    const stream = client.stream(runId, 0);
    const summary = () => client.get<{ run: { status: string } }>(`/v1/runs/${runId}`);
    await waitFor('the run to wait for a person', async () => (await summary()).body.run.status === 'awaiting_approval');
    expect((await store.getRun(runId))?.status).toBe('awaiting_approval');
    const waiting = await client.get<{ runs: Array<{ run: { id: string } }> }>('/v1/runs?status=awaiting_approval');
    expect(waiting.body.runs.map((entry) => entry.run.id)).toEqual([runId]);
    await stream.until('the run waiting', (s) => s.messages.some((m) => m.kind === 'run' && m.status === 'awaiting_approval'));
    // A resume cannot move it on: the refusal says what can.
    const resume = await client.post(`/v1/runs/${runId}/resume`);
    expect(resume.status).toBe(409);
    expect(resume.body.detail).toBe(`run ${runId} is driven by this server and waits for decisions: nothing to resume`);
    expect(resume.body.fix).toMatch(new RegExp(`^decide what waits \\(GET /v1/runs/${runId}/approvals`));

    const [gate] = (await client.get<{ approvals: Array<{ nodeId: string }> }>(`/v1/runs/${runId}/approvals`)).body.approvals;
    const decided = await client.post(`/v1/runs/${runId}/nodes/${gate!.nodeId}/decision`, { action: 'approve' });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    await streamToEnd(stream, runId, 'completed');
    await stream.close();
    // The stream told the wait, then the end (`running` again in between if its feed read the run then).
    const statuses = stream.messages.flatMap((m) => (m.kind === 'run' ? [m.status] : []));
    expect(statuses.at(-1)).toBe('completed');
    expect(statuses.slice(0, -1)).toContain('awaiting_approval');
    expect((await client.get<{ runs: unknown[] }>('/v1/runs?status=awaiting_approval')).body.runs).toEqual([]);
  });

  it('leaves the runs it drives open when it stops (as on SIGTERM), and the next server goes on with them', slow, async () => {
    const runId = await startRun(sixSlowTasks, { limits: { concurrency: 1 } });
    const tree = () => client.get<{ root: { children: Array<{ id: string; status: string }> } }>(`/v1/runs/${runId}/tree`);
    let doneBefore: string[] = [];
    await waitFor('a task to complete', async () => {
      doneBefore = (await tree()).body.root.children.filter((child) => child.status === 'completed').map((child) => child.id);
      return doneBefore.length >= 1;
    });
    await service.close(0);
    // Not cancelled: open, with no stop reason and no holder, for the next process.
    expect(await store.getRun(runId)).toMatchObject({ status: 'running', stopReason: null, endedAt: null });

    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200 });
    client = new ServiceClient(service.url, token);
    await waitFor('the run to complete', async () => (await client.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === 'completed');
    expect((await tree()).body.root.children.map((child) => child.status)).toEqual(Array(6).fill('completed'));
    for (const nodeId of doneBefore) {
      const events = await store.listEvents(runId, nodeId);
      expect(events.filter((event) => event.to === 'running'), `node ${nodeId} started once`).toHaveLength(1);
    }
  });

  it('takes up, while it runs, a run whose holder died, and leaves alone one that was let go', slow, async () => {
    await service.close(0);
    // Held by another process (a server, a CLI run) when this one starts.
    const orphan = await createRun({ store, prompt: 'Build it', llm: await script(eightTasks) });
    const holder = await storage.holdElsewhere(orphan.run.id);
    const logged: string[] = [];
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200, adoptEveryMs: 100, log: (line) => logged.push(line) });
    client = new ServiceClient(service.url, token);
    expect(service.resumed).toEqual([]);
    // Created while this server runs, not started: nobody held it, so it is not an orphan.
    const unstarted = await createRun({ store, prompt: 'Build it later', llm: await script(eightTasks) });

    await holder.kill();
    await waitFor('the orphaned run to complete', async () => (await store.getRun(orphan.run.id))?.status === 'completed');
    expect(logged).toContain(`run ${orphan.run.id}: taken up (its holder is gone)`);
    expect(service.runs.drives(unstarted.run.id)).toBe(false);
    expect((await store.getRun(unstarted.run.id))?.status).toBe('running');
  });

  it.runIf(kind === 'embedded')(
    'takes up, in a new container on the same folder, a run whose old container stopped touching its lock',
    slow,
    async () => {
      await service.close(0);
      // The old container's server held the run; the new one runs under another host name.
      const orphan = await createRun({ store, prompt: 'Build it', llm: await script(eightTasks) });
      const lock = path.join(store.location, 'runs', orphan.run.id, 'lock');
      const holder = { pid: 7, hostname: 'old-container', owner: 'arbor serve', at: at(0), token: 'old' };
      await writeFile(lock, JSON.stringify(holder));
      const logged: string[] = [];
      service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200, adoptEveryMs: 100, log: (line) => logged.push(line) });
      client = new ServiceClient(service.url, token);
      // Touched a moment ago: that host's server may still be alive.
      expect(service.resumed).toEqual([]);
      expect(service.runs.drives(orphan.run.id)).toBe(false);

      // A minute later, untouched: the old container is gone.
      const aMinuteAgo = new Date(Date.now() - 61_000);
      await utimes(lock, aMinuteAgo, aMinuteAgo);
      await waitFor('the orphaned run to complete', async () => (await store.getRun(orphan.run.id))?.status === 'completed');
      expect(logged).toContain(`run ${orphan.run.id}: taken up (its holder is gone)`);
    },
  );

  it('tells once, not at every look, of an orphaned run it cannot take up', slow, async () => {
    await service.close(0);
    // An orphan whose model cannot be made here: every attempt to take it up is refused.
    const { run, root } = sampleRun({ prompt: 'Build it' });
    await store.createRun({ ...run, llm: 'nosuchprovider:model' }, root);
    const holder = await storage.holdElsewhere(run.id);
    await holder.kill();
    const logged: string[] = [];
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, adoptEveryMs: 0, log: (line) => logged.push(line) });
    client = new ServiceClient(service.url, token);
    expect(await service.runs.adoptOpen()).toEqual([]);
    expect(await service.runs.adoptOpen()).toEqual([]);
    const told = logged.filter((line) => line.startsWith(`run ${run.id} not taken up:`));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(/nosuchprovider/);
    expect(service.runs.drives(run.id)).toBe(false);
  });

  it('gives a client that reconnects with its last seq every event once: no gap, no duplicate', slow, async () => {
    const runId = await startRun(eightTasks, { limits: { concurrency: 2 } });
    const first = client.stream(runId, 0);
    await first.until('a few events', (s) => s.events.length >= 5);
    await first.close();
    const last = first.events[first.events.length - 1]!.seq;
    expect(last).toBeGreaterThanOrEqual(5);
    const second = client.stream(runId, last);
    await streamToEnd(second, runId, 'completed');
    await second.close();
    const seqs = [...first.events, ...second.events].map((m) => m.seq);
    const stored = await storedEvents(runId);
    expect(seqs).toEqual(stored.map((entry) => entry.seq));
    expect(second.events[0]!.seq).toBe(last + 1);
    // A client that joins after the end, from the start: the older events come from the store.
    expect(stored.length).toBeGreaterThan(8 * 3);
    const late = client.stream(runId, 0);
    await streamToEnd(late, runId, 'completed');
    await late.close();
    expect(late.events.map((m) => m.seq)).toEqual(stored.map((entry) => entry.seq));
    expect(late.events.map((m) => m.event)).toEqual(stored.map((entry) => entry.event));
    // A seq the run never gave is refused, not waited on for ever; the last one it gave is caught up.
    const end = stored[stored.length - 1]!.seq;
    const beyond = client.stream(runId, end + 1);
    expect(await beyond.closed).toEqual({ code: 4000, reason: `query.after: run ${runId} has no event with seq ${end + 1}` });
    const pastEnd = await client.get(`/v1/runs/${runId}/events?after=${end + 1}`);
    expect(pastEnd.status).toBe(400);
    expect(pastEnd.body).toMatchObject({ field: 'query.after', detail: `query.after: run ${runId} has no event with seq ${end + 1}` });
    expect((await client.get<EventsPage>(`/v1/runs/${runId}/events?after=${end}`)).body).toEqual({ events: [], last: end });
    // A server that stops closes its streams as going away (1001), which a client reconnects after.
    const held = client.stream(runId, 0);
    await held.until('the stored events', (s) => s.events.length === stored.length);
    await service.close(0);
    expect(await held.closed).toEqual({ code: 1001, reason: 'the server is stopping' });
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
  });

  it('cancels a run and resumes it to the end', slow, async () => {
    const runId = await startRun(sixSlowTasks, { limits: { concurrency: 1 } });
    await waitFor('a task to finish', async () => {
      const summary = await client.get<{ counts: Record<string, number> }>(`/v1/runs/${runId}`);
      return (summary.body.counts.completed ?? 0) >= 1;
    });
    const cancelled = await client.post<{ status: string }>(`/v1/runs/${runId}/cancel`, { reason: 'wrong branch' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const stopped = await client.get<{ run: { status: string }; counts: Record<string, number> }>(`/v1/runs/${runId}`);
    expect(stopped.body.run.status).toBe('cancelled');
    expect(stopped.body.counts.cancelled).toBeGreaterThan(0);

    const resumed = await client.post<{ status: string }>(`/v1/runs/${runId}/resume`);
    expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
    // The answer comes once the drive stored the run as going on again, not with the cancelled one.
    expect(resumed.body).toEqual({ runId, status: 'running' });
    const twice = await client.post(`/v1/runs/${runId}/resume`);
    expect(twice.status).toBe(409);
    await waitFor('the run to complete', async () => (await client.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === 'completed', 40_000);
    const done = await client.post(`/v1/runs/${runId}/resume`);
    expect(done.status).toBe(409);
    expect(done.body.detail).toMatch(/already completed/);
    expect(done.body.fix).toBe(`see its results: GET /v1/runs/${runId}/tree`);
  });

  it('answers a resume of a run it just finished for the stored run once its drive let go, not as still running', async () => {
    // The drive's end (letting the run go) is held, while the server already shows the run completed.
    let storeEnd: () => void = () => undefined;
    const endStored = new Promise<void>((resolve) => (storeEnd = resolve));
    const held = new Proxy(store, {
      get(target, property) {
        if (property === 'acquireRun')
          return async (runId: string, owner: string) => {
            const lock = await target.acquireRun(runId, owner);
            return { release: () => endStored.then(() => lock.release()) };
          };
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const other = await serve({ store: held, port: 0, env: { ARBOR_TOKEN: token }, pollMs: 200, schedules: false });
    const otherClient = new ServiceClient(other.url, token);
    try {
      const answer = await otherClient.post<{ runId: string }>('/v1/runs', { prompt: 'Build it', llm: await script(eightTasks) });
      const { runId } = answer.body;
      await waitFor('the run to show completed', async () => (await otherClient.get<{ run: { status: string } }>(`/v1/runs/${runId}`)).body.run.status === 'completed');
      expect(other.runs.drives(runId)).toBe(true);
      const resumed = otherClient.post<{ detail: string }>(`/v1/runs/${runId}/resume`);
      setTimeout(storeEnd, 100);
      const done = await resumed;
      expect(done.status).toBe(409);
      expect(done.body.detail).toMatch(/already completed/);
    } finally {
      storeEnd();
      await other.close(0);
    }
  });

  it(kind === 'mongodb' ? 'leaves a detached run to workers' : 'refuses to detach a run without workers to take it', async () => {
    const answer = await client.post<{ runId: string; detail: string }>('/v1/runs', { prompt: 'Build it', llm: await script(eightTasks), detach: true });
    if (kind !== 'mongodb') {
      expect(answer.status).toBe(400);
      expect(answer.body.detail).toMatch(/need the MongoDB store/);
      expect(await store.listRuns()).toEqual([]);
      return;
    }
    expect(answer.status).toBe(201);
    expect(service.runs.drives(answer.body.runId)).toBe(false);
    const run = await client.get<{ run: { status: string }; counts: Record<string, number> }>(`/v1/runs/${answer.body.runId}`);
    expect(run.body.counts).toEqual({ ready: 1 });
    expect((await store.listOpenRuns()).map((open) => open.id)).toContain(answer.body.runId);
    // Stored as left to workers: a server taking up open runs at start (a restart) leaves it to them,
    // while an open run that nobody holds and that was not left to workers is taken up.
    expect((await store.getRun(answer.body.runId))?.detached).toBe(true);
    const unheld = await createRun({ store, prompt: 'Build it too', llm: await script(eightTasks) });
    expect(unheld.run.detached).toBeUndefined();
    expect(await service.runs.resumeOpen()).toEqual([unheld.run.id]);
    expect(service.runs.drives(answer.body.runId)).toBe(false);
    await waitFor('the other run to complete', async () => (await store.getRun(unheld.run.id))?.status === 'completed');
  });

  it("serves the artifacts a node wrote from the run's output folder, and nothing else", async () => {
    const outDir = path.join(dir, 'out');
    const ready = await createRun({ store, prompt: 'Write the docs', llm: await script(artifactTasks), outDir });
    expect((await client.post(`/v1/runs/${ready.run.id}/resume`)).status).toBe(200);
    await waitFor('the run to complete', async () => (await client.get<{ run: { status: string } }>(`/v1/runs/${ready.run.id}`)).body.run.status === 'completed');
    const response = await fetch(`${service.url}/v1/runs/${ready.run.id}/artifacts/docs/a.md`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe('# Task a');
    await writeFile(path.join(outDir, 'not-an-artifact.txt'), 'secret');
    expect((await client.get(`/v1/runs/${ready.run.id}/artifacts/not-an-artifact.txt`)).status).toBe(404);
    const escape = await client.get(`/v1/runs/${ready.run.id}/artifacts/..%2F..%2Fetc%2Fpasswd`);
    expect(escape.status).toBe(400);
    expect(escape.body.detail).toMatch(/not a path inside the run's output folder/);
    expect((await new ServiceClient(service.url, null).get(`/v1/runs/${ready.run.id}/artifacts/docs/a.md`)).status).toBe(401);
  });

  it('pages the runs newest first with a cursor, each page one bounded read of the store', async () => {
    const made = [
      ['run-p1', 1, 'completed'],
      ['run-p2', 2, 'failed'],
      ['run-p3', 3, 'completed'],
      ['run-p4', 4, 'completed'],
    ] as const;
    for (const [id, second, status] of made) {
      const { run, root } = sampleRun({ id, createdAt: at(second) });
      await store.createRun({ ...run, status, endedAt: at(second) }, root);
    }
    const listRuns = vi.spyOn(store, 'listRuns');
    type Page = { runs: Array<{ run: { id: string } }>; nextCursor: string | null };
    const page = async (query: string) => {
      const answer = await client.get<Page>(`/v1/runs?${query}`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return { ids: answer.body.runs.map((entry) => entry.run.id), nextCursor: answer.body.nextCursor };
    };
    const first = await page('status=completed&limit=2');
    expect(first).toEqual({ ids: ['run-p4', 'run-p3'], nextCursor: 'run-p3' });
    // The run a page ended on changed its state since: the next page still goes on after it.
    await store.updateRun('run-p3', { status: 'failed' });
    expect(await page('status=completed&limit=2&cursor=run-p3')).toEqual({ ids: ['run-p1'], nextCursor: null });
    expect(await page('limit=3')).toEqual({ ids: ['run-p4', 'run-p3', 'run-p2'], nextCursor: 'run-p2' });
    // Each page asked the store for one run more than it shows (to know whether more follow), not for all.
    const asked = listRuns.mock.calls.map(([options]) => ({ ...options, after: options?.after?.id }));
    expect(asked).toEqual([
      { status: 'completed', limit: 3, after: undefined },
      { status: 'completed', limit: 3, after: 'run-p3' },
      { limit: 4, after: undefined },
    ]);
  });

  it('refuses every kind of bad request with problem+json, and stores nothing for it', async () => {
    const cases: Array<[string, Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>, number, RegExp, string?]> = [
      ['bad JSON', client.request('POST', '/v1/runs', { body: '{"prompt":' }), 400, /^the body is not valid JSON: it ends before the JSON does$/],
      ['JSON broken inside', client.request('POST', '/v1/runs', { body: '{\n  "prompt": "x"\n  "llm": "y"\n}' }), 400, /^the body is not valid JSON: expected ',' or '}' after property value at line 3, column 3 \(near /],
      ['a __proto__ key', client.request('POST', '/v1/runs', { body: '{"prompt":"x","__proto__":{"admin":true}}' }), 400, /"__proto__" .* which this server refuses$/],
      ['an empty JSON body', client.request('POST', '/v1/runs', { body: '' }), 400, /^the body is empty, but Content-Type says JSON$/],
      ['an unknown field', client.post('/v1/runs', { prompt: 'x', limts: {} }), 400, /unknown field "limts"/, 'body.limts'],
      ['a field of the wrong type', client.post('/v1/runs', { prompt: 'x', limits: { maxDepth: 'deep' } }), 400, /body\.limits\.maxDepth/, 'body.limits.maxDepth'],
      ['an empty prompt', client.post('/v1/runs', { prompt: '  ' }), 400, /prompt is empty/, 'body.prompt'],
      ['an oversized body', client.post('/v1/runs', { prompt: 'x', notes: [{ name: 'big.md', content: 'x'.repeat(1_100_000) }] }), 413, /^the body is larger than this server accepts \(1 MiB\)$/],
      ['a body that is not JSON', client.request('POST', '/v1/runs', { body: 'prompt=x', contentType: 'text/plain' }), 415, /content-type|media type/i],
      ['a model that does not exist', client.post('/v1/runs', { prompt: 'x', llm: 'script:/nowhere/script.yaml' }), 400, /nowhere/],
      ['an unknown run', client.get('/v1/runs/r-nope'), 404, /no run "r-nope"/],
      ['an unknown run tree', client.get('/v1/runs/r-nope/tree'), 404, /no run "r-nope"/],
      ['a bad query', client.get('/v1/runs?limit=0'), 400, /query\.limit/, 'query.limit'],
      ['a query parameter the route does not take', client.get('/v1/runs/r-nope/tree?depth=1'), 400, /^unknown query parameter "depth"$/, 'query.depth'],
      ['a query parameter that is no number', client.get('/v1/runs/r-nope/events?after=abc'), 400, /^query\.after: /, 'query.after'],
      ['a cursor that is no run', client.get('/v1/runs?cursor=r-nope'), 400, /cursor "r-nope" is not a run/, 'query.cursor'],
      ['an unknown route', client.get('/v1/nothing'), 404, /no route GET \/v1\/nothing/],
    ];
    for (const [what, pending, status, detail, field] of cases) {
      const answer = await pending;
      expect(answer.status, what).toBe(status);
      expect(answer.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
      expect(answer.body.status, what).toBe(status);
      expect(answer.body.title, what).toMatch(/^[a-z-]+$/);
      expect(answer.body.type, what).toBe(`urn:arbor:problem:${String(answer.body.title)}`);
      expect(String(answer.body.detail), what).toMatch(detail);
      if (field) expect(answer.body.field, what).toBe(field);
      expect(JSON.stringify(answer.body), what).not.toMatch(/\n\s+at /);
    }
    expect((await client.get<{ runs: unknown[] }>('/v1/runs')).body.runs).toEqual([]);
    expect(await store.listRuns()).toEqual([]);
    // A bad query names the parameters the route takes; a route that takes none says so.
    expect((await client.get('/v1/runs?limit=abc')).body.fix).toBe("see this route's query parameters (status, limit, cursor) at GET /v1/openapi.json");
    expect((await client.get('/v1/approvals?limit=5')).body.fix).toBe('this route takes no query parameters');
    expect((await client.get('/healthz?probe=1')).status).toBe(200);

    const runId = await startRun(eightTasks);
    const node = await client.get(`/v1/runs/${runId}/nodes/999`);
    expect(node.status).toBe(404);
    expect(node.body.detail).toMatch(/has no node "999"/);
    // Fixes name the route to call, not a command of the CLI.
    expect(node.body.fix).toBe(`see the node ids: GET /v1/runs/${runId}/tree`);
    expect((await client.get('/v1/runs/r-nope')).body.fix).toBe('list runs: GET /v1/runs');
    const notWaiting = await client.post(`/v1/runs/${runId}/nodes/0/decision`, { action: 'approve' });
    expect(notWaiting.status).toBe(409);
    expect(notWaiting.body.fix).toBe(`see which nodes wait: GET /v1/runs/${runId}/approvals`);
    const badAction = await client.post(`/v1/runs/${runId}/nodes/0/decision`, { action: 'maybe' });
    expect(badAction.status).toBe(400);
    expect(badAction.body.field).toBe('body.action');
  });
});

describe('arbor serve access', () => {
  let dir: string;
  let store: Store;
  let service: RunningService;

  beforeEach(async () => {
    dir = await makeTempDir('arbor-serve-');
    store = await (await harnessStorage('embedded', dir)).open();
  });
  afterEach(async () => {
    await service.close(0);
    await store.close();
  });

  it('refuses a start it cannot serve (a taken port, a default model that cannot work) having written and driven nothing', async () => {
    const { existsSync } = await import('node:fs');
    const tokenFile = path.join(store.location, 'service-token');
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
    const port = Number(new URL(service.url).port);
    // An open run nobody drives: a server that starts takes it up, a refused one must not.
    const file = path.join(dir, 'tasks.yaml');
    await writeFile(file, eightTasks);
    const waiting = await createRun({ store, prompt: 'left open', llm: `script:${file}` });
    const events = (await store.listEvents(waiting.run.id)).length;
    await expect(serve({ store, port, env: {} })).rejects.toThrow(`port ${port} on 127.0.0.1 is taken`);
    await expect(serve({ store, port: 0, env: {}, defaultLlm: 'script:/nowhere/default.yaml' })).rejects.toThrow(
      'script /nowhere/default.yaml: file not found',
    );
    expect(existsSync(tokenFile)).toBe(false);
    expect(service.runs.drives(waiting.run.id)).toBe(false);
    expect(await store.listEvents(waiting.run.id)).toHaveLength(events);
  });

  it('asks for the bearer token on every route but /healthz, and keeps a generated one with mode 0600', async () => {
    service = await serve({ store, port: 0, env: {} });
    expect(service.token).toMatchObject({ source: 'file', created: true });
    const { statSync, readFileSync } = await import('node:fs');
    expect(statSync(service.token.file!).mode & 0o777).toBe(0o600);
    expect(readFileSync(service.token.file!, 'utf8').trim()).toBe(service.token.token);

    const anonymous = new ServiceClient(service.url, null);
    expect((await anonymous.get('/healthz')).status).toBe(200);
    for (const route of ['/readyz', '/v1/runs', '/v1/openapi.json', '/v1/runs/r-1/tree']) {
      const answer = await anonymous.get(route);
      expect(answer.status, route).toBe(401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
    const wrong = await new ServiceClient(service.url, `${service.token.token}x`).get('/v1/runs');
    expect(wrong.status).toBe(401);
    expect(wrong.body.detail).toBe('the bearer token is wrong');
    // The scheme's name in any case (RFC 9110); another scheme is named in the refusal.
    const lower = await fetch(`${service.url}/v1/runs`, { headers: { authorization: `bearer ${service.token.token}` } });
    expect(lower.status).toBe(200);
    const basic = await fetch(`${service.url}/v1/runs`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    expect(((await basic.json()) as { detail: string }).detail).toBe('the Authorization header is not a bearer token (it starts "Basic")');
    const refused = await new ServiceClient(service.url, 'nope').stream('r-1').closed;
    expect(refused.code).toBe(1006);

    const client = new ServiceClient(service.url, service.token.token);
    expect((await client.get('/readyz')).body).toMatchObject({ status: 'ready' });
    // A restart keeps the token.
    await service.close(0);
    service = await serve({ store, port: 0, env: {} });
    expect(service.token).toMatchObject({ source: 'file', created: false, token: client.token });
  });

  it('answers /readyz with 503 when the store fails or does not answer in time, and never hangs', async () => {
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, readyTimeoutMs: 100 });
    const client = new ServiceClient(service.url, token);
    const read = vi.spyOn(store, 'listRuns');
    read.mockReturnValueOnce(new Promise(() => {}));
    const hanging = await client.get<{ title: string; detail: string; fix: string }>('/readyz');
    expect(hanging.status).toBe(503);
    expect(hanging.body).toMatchObject({
      title: 'store-unavailable',
      detail: 'the store does not answer: no answer within 100 ms',
      fix: 'check that the store (MongoDB) is up and reachable from the server',
    });
    read.mockRejectedValueOnce(new Error('connect ECONNREFUSED 127.0.0.1:27017'));
    const failing = await client.get<{ detail: string }>('/readyz');
    expect(failing.status).toBe(503);
    expect(failing.body.detail).toBe('the store does not answer: connect ECONNREFUSED 127.0.0.1:27017');
    read.mockRestore();
    expect((await client.get('/readyz')).status).toBe(200);
  });

  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
    const document = (await new ServiceClient(service.url, token).get<{
      openapi: string;
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean } }> } }>>;
    }>('/v1/openapi.json')).body;
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/runs', '/v1/runs/{run}', '/v1/runs/{run}/tree', '/v1/runs/{run}/nodes/{node}/decision', '/v1/runs/{run}/events/stream']),
    );
    const create = document.paths['/v1/runs']!.post!.requestBody!.content['application/json']!.schema;
    // A prompt, or a plan (issue 16): neither alone is required by the schema; the server asks for one.
    expect(create.required).toBeUndefined();
    expect(Object.keys(create.properties)).toEqual(['prompt', 'plan', 'params', 'notes', 'llm', 'limits', 'agents', 'detach']);
    expect(create.additionalProperties).toBe(false);
    // The events route refuses a bad cursor (400) as it answers an unknown run (404).
    const events = (document.paths['/v1/runs/{run}/events'] as unknown as { get: { responses: Record<string, unknown> } }).get;
    expect(Object.keys(events.responses)).toEqual(['200', '400', '404']);
  });

  it('answers a browser of the --cors origin only, and refuses a body over --body-limit', async () => {
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token }, corsOrigin: 'https://ops.example.com', bodyLimit: 2_000 });
    const preflight = await fetch(`${service.url}/v1/runs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://ops.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const client = new ServiceClient(service.url, token);
    const big = await client.post('/v1/runs', { prompt: 'x'.repeat(3_000) });
    expect(big.status).toBe(413);
    expect(await store.listRuns()).toEqual([]);
    await service.close(0);
    // No --cors: a browser of another origin is told nothing it may read.
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
    const closed = await fetch(`${service.url}/healthz`, { headers: { origin: 'https://ops.example.com' } });
    expect(closed.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses to listen beyond loopback without ARBOR_TOKEN', async () => {
    await expect(serve({ store, host: '0.0.0.0', port: 0, env: {} })).rejects.toThrow(/refusing to listen on 0\.0\.0\.0 without ARBOR_TOKEN/);
    service = await serve({ store, port: 0, env: { ARBOR_TOKEN: token } });
  });
});

export type { StreamMessage };
