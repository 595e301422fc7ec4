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
      message: `invalid regular expression ${JSON.stringify(pattern)}: ${(error as Error).message.replace(/^.*: /, '')}`,
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

const scriptedErrorSchema = z.strictObject(
  {
    status: z.number().int().min(400, 'status must be an HTTP error status (400-599)').max(599),
    retryAfterMs: z.number().int().nonnegative().optional(),
    message: z.string().optional(),
  },
  {
    error: mappingError(
      'expected { status, retryAfterMs?, message? }',
      'an error has status, retryAfterMs and message',
    ),
  },
);

/** Names unknown fields (usually typos) and what the mapping may hold instead. */
function mappingError(expected: string, fields: string) {
  return (issue: z.core.$ZodRawIssue): string | undefined => {
    if (issue.code === 'unrecognized_keys')
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((key) => `"${key}"`).join(', ')}; ${fields}`;
    if (issue.code === 'invalid_type') return expected;
    return undefined;
  };
}

const delaySchema = z.number().int().nonnegative('delayMs must be a whole number of milliseconds, 0 or more');

/** One rule of a script: what it matches and how it answers (DESIGN §6). */
export const scriptRuleSchema = z
  .strictObject(
    {
      role: roleSchema,
      /** Regex on the node title. */
      title: titlePatternSchema.optional(),
      depth: z.number().int().nonnegative().optional(),
      /** The role's attempt number on the node, 1-based. */
      attempt: z.number().int().positive('attempt counts from 1').optional(),
      /**
       * Answer only the first N times this very call (run, node, role, attempt) is made, then let later
       * rules answer: a provider retry repeats the same call, so this is how a transient fault is scripted.
       */
      times: z.number().int().positive('times counts from 1').optional(),
      delayMs: delaySchema.optional(),
      respond: sequencerAnswerSourceSchema.optional(),
      error: scriptedErrorSchema.optional(),
      raw: z.string().optional(),
    },
    {
      error: mappingError(
        'expected a rule: a mapping with role and one of respond, error or raw',
        'a rule has role, title, depth, attempt, times, delayMs and one of respond, error or raw',
      ),
    },
  )
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
    rules: z.array(scriptRuleSchema, { error: 'expected a list of rules' }).optional(),
    defaults: z
      .strictObject(
        {
          planner: answerObjectSchema.optional(),
          sequencer: sequencerAnswerSourceSchema.optional(),
          executor: answerObjectSchema.optional(),
          checker: answerObjectSchema.optional(),
        },
        {
          error: mappingError(
            'expected a mapping of roles to answers',
            'defaults are planner, sequencer, executor and checker',
          ),
        },
      )
      .optional(),
  },
  {
    error: mappingError(
      'expected a mapping with rules and/or defaults',
      'a script has delayMs, rules and defaults',
    ),
  },
);

/** A script as its author writes it. */
export type ScriptFile = z.input<typeof scriptFileSchema>;

/** A script after validation: title patterns are compiled regexes. */
export type ValidScriptFile = z.output<typeof scriptFileSchema>;
