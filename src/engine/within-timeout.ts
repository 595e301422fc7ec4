/**
 * The call's outcome, or null when it takes longer than `ms`: then its own signal (which also follows
 * the run's) aborts it, and its late failure is not left unhandled.
 */
export async function withinTimeout<T>(
  parent: AbortSignal,
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T | null> {
  const controller = new AbortController();
  const follow = () => controller.abort(parent.reason);
  if (parent.aborted) follow();
  else parent.addEventListener('abort', follow, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  const call = run(controller.signal);
  call.catch(() => undefined);
  try {
    const outcome = await Promise.race([call, timeout]);
    if (outcome === null) controller.abort(new Error(`timed out after ${ms} ms`));
    return outcome;
  } finally {
    clearTimeout(timer);
    parent.removeEventListener('abort', follow);
  }
}
