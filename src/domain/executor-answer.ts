import { z } from 'zod';

/** A file the executor produced; the path is relative to the run's output folder. */
export const artifactSchema = z.object({
  path: z.string().min(1),
  content: z.string(),
});

/** A file the executor produced. */
export type Artifact = z.infer<typeof artifactSchema>;

/** What a completed node delivers. */
export const nodeResultSchema = z.object({
  summary: z.string().describe('One or two sentences on what was done'),
  output: z.string().describe('The work itself (text, code, a plan)'),
  artifacts: z.array(artifactSchema).describe('Files to write, paths relative to the output folder'),
});

/** What a completed node delivers. */
export type NodeResult = z.infer<typeof nodeResultSchema>;

/** The executor's answer: complete the node with a result, or decompose it with a reason (DESIGN §2). */
export const executorAnswerSchema = z
  .object({
    action: z.enum(['complete', 'decompose']),
    reason: z.string().nullable().describe('Why the task must be split (decompose), else null'),
    result: nodeResultSchema.nullable().describe('The result (complete), else null'),
  })
  .superRefine((answer, context) => {
    if (answer.action === 'complete' && answer.result === null)
      context.addIssue({ code: 'custom', path: ['result'], message: 'action "complete" needs a result' });
    if (answer.action === 'decompose' && !answer.reason?.trim())
      context.addIssue({ code: 'custom', path: ['reason'], message: 'action "decompose" needs a reason' });
  });

/** The executor's answer. */
export type ExecutorAnswer = z.infer<typeof executorAnswerSchema>;
