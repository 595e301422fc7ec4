import type { AgentRole } from '../../domain/index.js';
import type { CallSubject } from '../model.js';
import type { Script, ScriptAnswer, ScriptRule } from './parse-script.js';

/** The answer a script gives to one call, and what chose it. */
export interface ScriptMatch {
  answer: ScriptAnswer;
  delayMs: number;
  /** The rule that matched, or null when the role's default answered. */
  rule: ScriptRule | null;
}

/** How many times `rule` already answered this very call; rules with `times` stop when it is reached. */
export type TimesUsed = (rule: ScriptRule) => number;

/**
 * Chooses how the script answers a call: the first rule whose role, title regex, depth and attempt
 * all match (and whose `times` is not used up); else the role's default; else null.
 */
export function matchScript(
  script: Script,
  role: AgentRole,
  subject: CallSubject,
  timesUsed: TimesUsed = () => 0,
): ScriptMatch | null {
  const rule = script.rules.find(
    (candidate) =>
      ruleMatches(candidate, role, subject) &&
      (candidate.times === null || timesUsed(candidate) < candidate.times),
  );
  if (rule !== undefined) return { answer: rule.answer, delayMs: rule.delayMs ?? script.delayMs, rule };
  const fallback = script.defaults[role];
  return fallback === undefined ? null : { answer: fallback, delayMs: script.delayMs, rule: null };
}

function ruleMatches(rule: ScriptRule, role: AgentRole, subject: CallSubject): boolean {
  return (
    rule.role === role &&
    (rule.title === null || rule.title.test(subject.node.title)) &&
    (rule.depth === null || rule.depth === subject.node.depth) &&
    (rule.attempt === null || rule.attempt === subject.attempt)
  );
}
