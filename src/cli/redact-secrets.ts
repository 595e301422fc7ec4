// Apart from the logger (src/cli/logger.ts), so that printing an error does not load winston.

const secretKeys = /^(api[-_]?key|authorization|password|secret|x-api-key)$/i;

/** True for a field whose value is a secret (`apiKey`, `authorization`, `password`, …). */
export function isSecretKey(key: string): boolean {
  return secretKeys.test(key);
}

/** Replaces the password of every `scheme://user:password@` in `text` with `***`. */
export function hideUriPasswords(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]+:)[^@\s]+@/gi, '$1***@');
}

/** Hides secrets: values of secret-named fields, and passwords in URIs. */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return hideUriPasswords(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, isSecretKey(key) ? '***' : redactSecrets(inner)]),
    );
  }
  return value;
}
