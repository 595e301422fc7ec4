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

/** Limits of calls in flight per provider (`openai`, `anthropic`, `script`), across roles. */
export interface ProviderLimits {
  /** The provider each role's calls go to. */
  providerOf: (role: AgentRole) => string;
  /** Most calls in flight per provider; a provider not named here has no limit of its own. */
  limits: Readonly<Record<string, number>>;
}

/**
 * One global limit of calls in flight plus, where set, one per role (agent files, opt-in) and one
 * per provider (DESIGN §7): a call starts once all of its slots are free. When slots are scarce, the waiting call with the highest priority starts first (first come,
 * first served among equals), so the engine can keep the critical path moving instead of serving
 * calls in arrival order.
 */
export class ConcurrencySlots {
  private globalFree: number;
  private readonly roleFree: Record<AgentRole, number>;
  private readonly waiting: Record<AgentRole, PriorityQueue<WaitingCall>>;
  /** Free slots per limited provider. */
  private readonly providerFree = new Map<string, number>();
  private readonly providerOf: (role: AgentRole) => string | null;
  private sequence = 0;

  constructor(globalLimit: number, agents: AgentsConfig, providers?: ProviderLimits) {
    this.globalFree = globalLimit;
    for (const [provider, limit] of Object.entries(providers?.limits ?? {}))
      this.providerFree.set(provider, limit);
    // Asked once per role, on its first call, so that a call's release counts against the provider
    // its start counted against.
    const known = new Map<AgentRole, string | null>();
    this.providerOf = (role) => {
      if (!providers || this.providerFree.size === 0) return null;
      let provider = known.get(role);
      if (provider === undefined) {
        const name = providerName(providers, role);
        known.set(role, (provider = name !== null && this.providerFree.has(name) ? name : null));
      }
      return provider;
    };
    this.roleFree = Object.fromEntries(
      agentRoles.map((role) => [role, agents.roles[role].concurrency ?? Number.POSITIVE_INFINITY]),
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
      // Free slots for this role mean every waiting call is held by its own role's or provider's limit.
      if (this.globalFree > 0 && this.canStart(role)) {
        this.take(role);
        start();
      } else {
        this.waiting[role].push({ role, priority, sequence: this.sequence++, start });
      }
    });
  }

  /** The role's own slot and its provider's (if limited) are free. */
  private canStart(role: AgentRole): boolean {
    const provider = this.providerOf(role);
    return this.roleFree[role] > 0 && (provider === null || this.providerFree.get(provider)! > 0);
  }

  private take(role: AgentRole): void {
    this.globalFree--;
    this.roleFree[role]--;
    const provider = this.providerOf(role);
    if (provider !== null) this.providerFree.set(provider, this.providerFree.get(provider)! - 1);
  }

  private release(role: AgentRole): void {
    this.globalFree++;
    this.roleFree[role]++;
    const provider = this.providerOf(role);
    if (provider !== null) this.providerFree.set(provider, this.providerFree.get(provider)! + 1);
    while (this.globalFree > 0) {
      let next: WaitingCall | undefined;
      for (const candidate of agentRoles) {
        const head = this.canStart(candidate) ? this.waiting[candidate].peek() : undefined;
        if (head && (!next || startsBefore(head, next))) next = head;
      }
      if (!next) return;
      this.waiting[next.role].pop();
      this.take(next.role);
      next.start();
    }
  }
}

/** The provider of a role's calls; null when its model cannot be made (the call itself then fails and says why). */
function providerName(providers: ProviderLimits, role: AgentRole): string | null {
  try {
    return providers.providerOf(role);
  } catch {
    return null;
  }
}
