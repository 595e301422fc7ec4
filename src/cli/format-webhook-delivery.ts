import type { WebhookDelivery } from '../service/webhooks/index.js';
import { hideUriPasswords } from './redact-secrets.js';

/**
 * One line of `arbor webhooks RUN`: event type, node, where it stands, attempts, URL, then the next
 * attempt and the last error while it is not delivered.
 */
export function formatWebhookDelivery(delivery: WebhookDelivery): string {
  const node = delivery.nodeId === null ? 'run' : `node ${delivery.nodeId}`;
  const status = delivery.status === 'given_up' ? 'given up' : delivery.status;
  const attempts = `${delivery.attempts} ${delivery.attempts === 1 ? 'attempt' : 'attempts'}`;
  const parts = [
    delivery.type.padEnd(22),
    node.padEnd(10),
    status.padEnd(9),
    attempts.padEnd(11),
    hideUriPasswords(delivery.url),
  ];
  if (delivery.status === 'delivered' && delivery.deliveredAt)
    parts.push(`at ${shortTime(delivery.deliveredAt)}`);
  if (delivery.status === 'pending' && delivery.nextAttemptAt)
    parts.push(`next ${shortTime(delivery.nextAttemptAt)}`);
  if (delivery.status !== 'delivered' && delivery.lastError) parts.push(`last error: ${delivery.lastError}`);
  return parts.join('  ');
}

function shortTime(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}
