/**
 * Runs `call` with an abort signal of its own that follows `parent`, and unlinks the two when the
 * call ends. The OpenAI SDK adds an abort listener to the signal it is given and never removes it;
 * handed the run-wide signal, it would pile up one listener per call for the whole run (and Node
 * prints a MaxListenersExceededWarning on stderr after ten).
 */
export async function withCallSignal<T>(
  parent: AbortSignal | undefined,
  call: (signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  if (!parent) return call(undefined);
  const controller = new AbortController();
  const onAbort = () => controller.abort(parent.reason);
  if (parent.aborted) onAbort();
  else parent.addEventListener('abort', onAbort, { once: true });
  try {
    return await call(controller.signal);
  } finally {
    parent.removeEventListener('abort', onAbort);
  }
}
