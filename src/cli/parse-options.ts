import { InvalidArgumentError } from 'commander';
import { defaultLimits, type Limits } from '../domain/index.js';

/** Parses a positive whole number flag. */
export function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) throw new InvalidArgumentError(`"${value}" is not a positive whole number.`);
  return number;
}

/** Parses a positive amount (e.g. USD). */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return number;
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
