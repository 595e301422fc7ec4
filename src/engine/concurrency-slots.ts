import { agentRoles, type AgentRole } from '../domain/index.js';
import type { AgentsConfig } from '../agents/index.js';
import { PriorityQueue } from './priority-queue.js';

interface WaitingCall {
  role: AgentRole;
  priority: number;
  /** Arrival order: equal priorities start first come, first served. */
  sequence: number;
  start: () => void;
}

const startsBefore = (a: WaitingCall, b: WaitingCall): boolean =>
  a.priority !== b.priority ? a.priority > b.priority : a.sequence < b.sequence;

/**
 * One global limit of calls in flight plus one per role (DESIGN §7). When slots are scarce, the
 * waiting call with the highest priority starts first (first come, first served among equals), so
 * the engine can keep the critical path moving instead of serving calls in arrival order.
 */
export class ConcurrencySlots {
  private globalFree: number;
  private readonly roleFree: Record<AgentRole, number>;
  private readonly waiting: Record<AgentRole, PriorityQueue<WaitingCall>>;
  private sequence = 0;

  constructor(globalLimit: number, agents: AgentsConfig) {
    this.globalFree = globalLimit;
    this.roleFree = Object.fromEntries(
      agentRoles.map((role) => [role, agents.roles[role].concurrency]),
    ) as Record<AgentRole, number>;
    this.waiting = Object.fromEntries(
      agentRoles.map((role) => [role, new PriorityQueue<WaitingCall>(startsBefore)]),
    ) as Record<AgentRole, PriorityQueue<WaitingCall>>;
  }

  /** Runs `call` once both the role's slot and a global slot are free; higher `priority` goes first. */
  run<T>(role: AgentRole, call: () => Promise<T>, priority = 0): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        let running: Promise<T>;
        try {
          running = call();
        } catch (error) {
          running = Promise.reject(error instanceof Error ? error : new Error(String(error)));
        }
        void running.then(resolve, reject).finally(() => this.release(role));
      };
      // Free slots for this role mean every waiting call is held by its own role's limit.
      if (this.globalFree > 0 && this.roleFree[role] > 0) {
        this.take(role);
        start();
      } else {
        this.waiting[role].push({ role, priority, sequence: this.sequence++, start });
      }
    });
  }

  private take(role: AgentRole): void {
    this.globalFree--;
    this.roleFree[role]--;
  }

  private release(role: AgentRole): void {
    this.globalFree++;
    this.roleFree[role]++;
    while (this.globalFree > 0) {
      let next: WaitingCall | undefined;
      for (const candidate of agentRoles) {
        const head = this.roleFree[candidate] > 0 ? this.waiting[candidate].peek() : undefined;
        if (head && (!next || startsBefore(head, next))) next = head;
      }
      if (!next) return;
      this.waiting[next.role].pop();
      this.take(next.role);
      next.start();
    }
  }
}
