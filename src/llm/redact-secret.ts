/**
 * Replaces every occurrence of `secret` in `text` with `***`, so provider messages that echo a key
 * (even partly, as some 401 bodies do) never reach logs, stored documents or the terminal.
 */
export function redactSecret(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  let redacted = text.split(secret).join('***');
  // Providers often echo a masked key: its first and last characters around asterisks.
  if (secret.length >= 12) {
    const head = escapeRegExp(secret.slice(0, 6));
    const tail = escapeRegExp(secret.slice(-4));
    redacted = redacted.replace(new RegExp(`${head}[^\\s"']*${tail}`, 'g'), '***');
  }
  return redacted;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
