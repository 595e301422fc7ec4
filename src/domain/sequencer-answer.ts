import { z } from 'zod';

/** The sequencer's answer: parallel groups, the dependency graph and integration steps (DESIGN §2). */
export const sequencerAnswerSchema = z.object({
  groups: z.array(z.array(z.string())).describe('Parallel groups in execution order; every key exactly once'),
  dependsOn: z
    .array(z.object({ key: z.string(), on: z.array(z.string()) }))
    .describe('For each task with prerequisites, the keys it waits on'),
  integration: z.array(z.string()).describe('Keys of tasks that join the work of others'),
  rationale: z.string().describe('Why this order'),
});

/** The sequencer's answer. */
export type SequencerAnswer = z.infer<typeof sequencerAnswerSchema>;
