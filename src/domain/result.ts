/** The outcome of an operation whose failure is expected (invalid model output, an illegal move). */
export type Result<T, E = string> = { success: true; value: T } | { success: false; error: E };

/** Wraps a value as a successful {@link Result}. */
export function ok<T>(value: T): { success: true; value: T } {
  return { success: true, value };
}

/** Wraps an error as a failed {@link Result}. */
export function err<E>(error: E): { success: false; error: E } {
  return { success: false, error };
}
