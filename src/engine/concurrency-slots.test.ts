import { describe, expect, it } from 'vitest';
import { agentConfigSchema, type AgentsConfig } from '../agents/index.js';
import { agentRoles, type AgentRole } from '../domain/index.js';
import { ConcurrencySlots } from './concurrency-slots.js';

/** Agent settings with these per-role limits; other roles 8, or none with `unset`. */
function agentsWith(concurrency: Partial<Record<AgentRole, number | null>>, unset = false): AgentsConfig {
  const roles = Object.fromEntries(
    agentRoles.map((role) => [
      role,
      agentConfigSchema.parse({
        role,
        template: `${role}.hbs`,
        ...(unset && concurrency[role] === undefined ? {} : { concurrency: concurrency[role] ?? 8 }),
      }),
    ]),
  ) as AgentsConfig['roles'];
  return { roles, approvalPolicies: [], dir: 'agents' };
}

/** A call that notes it started and is done at once. */
function record(started: string[], label: string): () => Promise<void> {
  return () => {
    started.push(label);
    return Promise.resolve();
  };
}

/** A call that finishes when the test says so. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('concurrency slots', () => {
  it('never runs more calls than the global limit or the role’s own limit', async () => {
    const slots = new ConcurrencySlots(3, agentsWith({ executor: 2 }));
    let running = 0;
    let peak = 0;
    let peakExecutors = 0;
    let executors = 0;
    const call = (role: AgentRole) =>
      slots.run(role, async () => {
        running++;
        if (role === 'executor') executors++;
        peak = Math.max(peak, running);
        peakExecutors = Math.max(peakExecutors, executors);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running--;
        if (role === 'executor') executors--;
      });
    await Promise.all([
      ...Array.from({ length: 6 }, () => call('executor')),
      ...Array.from({ length: 6 }, () => call('checker')),
    ]);
    expect(peak).toBe(3);
    expect(peakExecutors).toBe(2);
  });

  it('gives a role without a limit of its own every global slot, and no more', async () => {
    // An agent file that sets no `concurrency`: only the global limit counts (DESIGN §7).
    const agents = agentsWith({}, true);
    expect(agents.roles.executor.concurrency).toBeNull();
    const slots = new ConcurrencySlots(20, agents);
    const open = gate();
    const started: string[] = [];
    const calls = Array.from({ length: 25 }, (_, index) =>
      slots.run('executor', () => (started.push(`e${index}`), open.opened)),
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toHaveLength(20);
    open.open();
    await Promise.all(calls);
    expect(started).toHaveLength(25);
  });

  it('holds a role at its own limit below the global one while other roles use the rest', async () => {
    const slots = new ConcurrencySlots(20, agentsWith({ executor: 8 }, true));
    const open = gate();
    const started: AgentRole[] = [];
    const calls = [
      ...Array.from({ length: 12 }, () => slots.run('executor', () => (started.push('executor'), open.opened))),
      ...Array.from({ length: 15 }, () => slots.run('checker', () => (started.push('checker'), open.opened))),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started.filter((role) => role === 'executor')).toHaveLength(8);
    expect(started.filter((role) => role === 'checker')).toHaveLength(12);
    open.open();
    await Promise.all(calls);
    expect(started).toHaveLength(27);
  });

  it('starts the most urgent waiting call first, and equals in the order they came', async () => {
    const slots = new ConcurrencySlots(1, agentsWith({}));
    const first = gate();
    const started: string[] = [];
    const blocker = slots.run('executor', () => first.opened);
    const waiting = [
      slots.run('executor', record(started, 'low')),
      slots.run('checker', record(started, 'urgent'), 5),
      slots.run('planner', record(started, 'middle a'), 2),
      slots.run('executor', record(started, 'middle b'), 2),
    ];
    first.open();
    await Promise.all([blocker, ...waiting]);
    expect(started).toEqual(['urgent', 'middle a', 'middle b', 'low']);
  });

  it('passes over a call whose role is full and frees slots of calls that fail', async () => {
    const slots = new ConcurrencySlots(2, agentsWith({ planner: 1 }));
    const planner = gate();
    const started: string[] = [];
    const busyPlanner = slots.run('planner', () => planner.opened);
    const failing = slots.run('executor', () => Promise.reject(new Error('provider down')));
    const thrown = slots.run('executor', () => {
      throw new Error('bug');
    });
    const second = slots.run('planner', record(started, 'second planner'), 9);
    const executor = slots.run('executor', record(started, 'executor'), 1);
    await expect(failing).rejects.toThrow('provider down');
    await expect(thrown).rejects.toThrow('bug');
    await executor;
    expect(started).toEqual(['executor']);
    planner.open();
    await Promise.all([busyPlanner, second]);
    expect(started).toEqual(['executor', 'second planner']);
  });

  it('holds the calls of every role that goes to a provider at its limit, and passes them over for others', async () => {
    // Executor and checker go to openai (limit 2), the planner to anthropic (no limit of its own).
    const providers = {
      providerOf: (role: AgentRole) => (role === 'planner' ? 'anthropic' : 'openai'),
      limits: { openai: 2 },
    };
    const slots = new ConcurrencySlots(8, agentsWith({}), providers);
    let openai = 0;
    let peakOpenai = 0;
    const gates: Array<() => void> = [];
    const started: string[] = [];
    const call = (role: AgentRole, label: string) =>
      slots.run(role, async () => {
        started.push(label);
        if (role !== 'planner') peakOpenai = Math.max(peakOpenai, ++openai);
        await new Promise<void>((resolve) => gates.push(resolve));
        if (role !== 'planner') openai--;
      });
    const calls = [
      call('executor', 'e1'),
      call('checker', 'c1'),
      call('executor', 'e2'),
      call('planner', 'p1'),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['e1', 'c1', 'p1']);
    gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['e1', 'c1', 'p1', 'e2']);
    for (let index = 0; index < 10 && gates.length > 0; index++) {
      gates.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    expect(peakOpenai).toBe(2);
  });

  it('lets the call of a role whose model cannot be made fail with its own error', async () => {
    const providers = {
      providerOf: (role: AgentRole) => {
        if (role === 'planner') throw new Error('no model for the planner');
        return 'script';
      },
      limits: { script: 1 },
    };
    const slots = new ConcurrencySlots(8, agentsWith({}), providers);
    const started: string[] = [];
    await expect(
      slots.run('planner', () => Promise.reject(new Error('OPENAI_API_KEY is not set'))),
    ).rejects.toThrow('OPENAI_API_KEY is not set');
    await Promise.all([
      slots.run('executor', record(started, 'e1')),
      slots.run('checker', record(started, 'c1')),
    ]);
    expect(started).toEqual(['e1', 'c1']);
  });
});
