import { z } from 'zod';

/** One task the planner proposes; keys are short and unique among siblings. */
export const plannedTaskSchema = z.object({
  key: z.string().min(1).max(64).describe('Short unique key among the siblings, e.g. "api" or "db-schema"'),
  title: z.string().min(1).describe('Imperative title of the task'),
  description: z.string().describe('What the task delivers and how to tell it is done'),
  dependsOn: z.array(z.string()).describe('Keys of sibling tasks that must finish first'),
  notes: z.array(z.string()).describe('Notes files this task draws on'),
  requiresApproval: z.boolean().describe('True when a person must approve before the task runs'),
  approvalReason: z.string().nullable().describe('Why approval is needed, or null'),
});

/** One task the planner proposes. */
export type PlannedTask = z.infer<typeof plannedTaskSchema>;

/** The planner's answer: the tasks that together achieve the node (DESIGN §2). */
export const plannerAnswerSchema = z
  .object({ tasks: z.array(plannedTaskSchema).min(1) })
  .superRefine((answer, context) => {
    const keys = new Set<string>();
    for (const task of answer.tasks) {
      if (keys.has(task.key))
        context.addIssue({ code: 'custom', message: `duplicate task key "${task.key}"` });
      keys.add(task.key);
    }
    for (const task of answer.tasks) {
      for (const dependency of task.dependsOn) {
        if (dependency === task.key)
          context.addIssue({ code: 'custom', message: `task "${task.key}" depends on itself` });
        else if (!keys.has(dependency))
          context.addIssue({
            code: 'custom',
            message: `task "${task.key}" depends on unknown key "${dependency}"`,
          });
      }
      if (task.requiresApproval && !task.approvalReason?.trim())
        context.addIssue({
          code: 'custom',
          message: `task "${task.key}" requires approval but gives no approvalReason`,
        });
    }
  });

/** The planner's answer. */
export type PlannerAnswer = z.infer<typeof plannerAnswerSchema>;
