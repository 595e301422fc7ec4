import { z } from 'zod';

/** The checker's verdict on an executor result (DESIGN §2). */
export const checkerAnswerSchema = z.object({
  verdict: z.enum(['pass', 'fail']),
  feedback: z.string().describe('What is wrong and how to fix it (fail), or a short note (pass)'),
});

/** The checker's verdict. */
export type CheckerAnswer = z.infer<typeof checkerAnswerSchema>;
