/** Exit statuses (DESIGN §5). */
export const exitCodes = {
  completed: 0,
  failed: 1,
  usage: 2,
  awaitingApproval: 3,
} as const;
