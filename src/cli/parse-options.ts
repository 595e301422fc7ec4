import { InvalidArgumentError } from 'commander';
import { defaultLimits, nodeStatusSchema, type Limits, type NodeStatus } from '../domain/index.js';
import { providerNames } from '../llm/model.js';

/** Parses a positive whole number flag. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError(`"${value}" is not a positive whole number.`);
  return number;
}

/** Parses a whole number flag that may be 0. */
export function nonNegativeInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError(`"${value}" is not a whole number (0 or more).`);
  return number;
}

/** Parses `S[,S…]` into node statuses. */
export function nodeStatuses(value: string): NodeStatus[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const parsed = nodeStatusSchema.safeParse(part);
      if (!parsed.success)
        throw new InvalidArgumentError(`"${part}" is not a node status; use ${nodeStatusSchema.options.join(', ')}.`);
      return parsed.data;
    });
}

/** Parses a positive amount (e.g. USD). */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return number;
}

/**
 * Parses `PROVIDER=N[,PROVIDER=N…]` (e.g. `openai=4,anthropic=2`): most calls in flight per
 * provider, whichever roles make them.
 */
export function providerConcurrency(value: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const part of value.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '')) {
    const [provider, count, ...rest] = part.split('=').map((side) => side.trim());
    if (provider === undefined || count === undefined || rest.length > 0 || provider === '')
      throw new InvalidArgumentError(`"${part}" is not PROVIDER=N; e.g. openai=4,anthropic=2.`);
    if (!(providerNames as readonly string[]).includes(provider))
      throw new InvalidArgumentError(`"${provider}" is not a provider; use ${providerNames.join(', ')}.`);
    limits[provider] = positiveInteger(count);
  }
  if (Object.keys(limits).length === 0) throw new InvalidArgumentError(`"${value}" names no provider; e.g. openai=4.`);
  return limits;
}

/** The limit flags shared by `run` and `resume`. */
export interface LimitFlags {
  maxDepth?: number;
  maxNodes?: number;
  maxCalls?: number;
  maxTokens?: number;
  maxCost?: number;
  concurrency?: number;
  maxAttempts?: number;
  /** This process's own limits per provider (not stored with the run). */
  providerConcurrency?: Record<string, number>;
}

/** Limits from flags over a base (the defaults for `run`, the stored ones for `resume`). */
export function limitsFrom(flags: LimitFlags, base: Limits = defaultLimits): Limits {
  return {
    maxDepth: flags.maxDepth ?? base.maxDepth,
    maxNodes: flags.maxNodes ?? base.maxNodes,
    maxCalls: flags.maxCalls ?? base.maxCalls,
    maxTokens: flags.maxTokens ?? base.maxTokens,
    maxCostUsd: flags.maxCost ?? base.maxCostUsd,
    concurrency: flags.concurrency ?? base.concurrency,
    maxAttempts: flags.maxAttempts ?? base.maxAttempts,
  };
}

/** Collects repeated `--set NAME=VALUE` flags into the params of a plan. */
export function planParam(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`"${value}" is not NAME=VALUE, e.g. --set version=1.2.0.`);
  return { ...previous, [value.slice(0, at).trim()]: value.slice(at + 1) };
}
