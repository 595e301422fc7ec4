import { z } from 'zod';
import { agentRoleSchema } from '../../domain/index.js';

const roleSchema = z.enum(agentRoleSchema.options, {
  error: (issue) =>
    `unknown role ${JSON.stringify(issue.input)}; expected planner, sequencer, executor or checker`,
});

/** A regex source compiled once while the script loads; a bad pattern is reported, not thrown. */
const titlePatternSchema = z.string().transform((pattern, context) => {
  try {
    return new RegExp(pattern);
  } catch (error) {
    context.issues.push({
      code: 'custom',
      input: pattern,
      message: `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message}`,
    });
    return z.NEVER;
  }
});

const answerObjectSchema = z.record(z.string(), z.unknown(), {
  error: "expected an answer object (a mapping of the role's answer fields)",
});

const sequencerAnswerSourceSchema = z.union([answerObjectSchema, z.literal('auto')], {
  error: 'expected an answer object or "auto"',
});

const scriptedErrorSchema = z.strictObject({
  status: z.number().int().min(400, 'status must be an HTTP error status (400-599)').max(599),
  retryAfterMs: z.number().int().nonnegative().optional(),
  message: z.string().optional(),
});

const delaySchema = z.number().int().nonnegative('delayMs must be a whole number of milliseconds, 0 or more');

/** One rule of a script: what it matches and how it answers (DESIGN §6). */
export const scriptRuleSchema = z
  .strictObject({
    role: roleSchema,
    /** Regex on the node title. */
    title: titlePatternSchema.optional(),
    depth: z.number().int().nonnegative().optional(),
    /** The role's attempt number on the node, 1-based. */
    attempt: z.number().int().positive('attempt counts from 1').optional(),
    delayMs: delaySchema.optional(),
    respond: sequencerAnswerSourceSchema.optional(),
    error: scriptedErrorSchema.optional(),
    raw: z.string().optional(),
  })
  .superRefine((rule, context) => {
    const answers = (['respond', 'error', 'raw'] as const).filter((field) => rule[field] !== undefined);
    if (answers.length !== 1)
      context.addIssue({
        code: 'custom',
        message:
          answers.length === 0
            ? 'the rule has neither respond, error nor raw; give exactly one'
            : `the rule has ${answers.join(' and ')}; give exactly one of respond, error or raw`,
      });
    if (rule.respond === 'auto' && rule.role !== 'sequencer')
      context.addIssue({
        code: 'custom',
        path: ['respond'],
        message: 'respond: auto only answers the sequencer',
      });
  });

/**
 * The scripted model's file (`--llm script:FILE`, DESIGN §6): ordered rules, per-role defaults and
 * an optional latency for every call. Unknown keys are errors so that typos do not pass silently.
 */
export const scriptFileSchema = z.strictObject(
  {
    /** Simulated latency of every call that its rule does not set. */
    delayMs: delaySchema.optional(),
    rules: z.array(scriptRuleSchema).optional(),
    defaults: z
      .strictObject({
        planner: answerObjectSchema.optional(),
        sequencer: sequencerAnswerSourceSchema.optional(),
        executor: answerObjectSchema.optional(),
        checker: answerObjectSchema.optional(),
      })
      .optional(),
  },
  { error: 'expected a mapping with rules and/or defaults' },
);

/** A script as its author writes it. */
export type ScriptFile = z.input<typeof scriptFileSchema>;

/** A script after validation: title patterns are compiled regexes. */
export type ValidScriptFile = z.output<typeof scriptFileSchema>;
