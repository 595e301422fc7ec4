import { signWebhook } from './sign-webhook.js';
import type { WebhookDelivery } from './webhook-delivery.js';
import type { WebhookTarget } from './webhook-target.js';

/** Options of {@link postWebhook}. */
export interface PostWebhookOptions {
  delivery: WebhookDelivery;
  /** Where to send it: the configured URL the delivery's stored URL stands for. */
  target: Pick<WebhookTarget, 'url' | 'authorization'>;
  secret: string;
  fetch: typeof fetch;
  /** The whole attempt, up to the answer's status line (its body is not read). */
  timeoutMs: number;
  /** Aborts the attempt (the dispatcher closing). */
  signal: AbortSignal;
}

/** How one attempt went: delivered on a 2xx, else the status (null without an answer) and why. */
export type PostWebhookOutcome =
  { delivered: true; status: number } | { delivered: false; status: number | null; error: string };

/**
 * One attempt at a delivery: POSTs the payload, signed, to its target. Redirects are not followed (a
 * receiver that moved answers 3xx, which counts as a failure). Never throws; an abort by `signal`
 * comes back as a failure like any other.
 */
export async function postWebhook(options: PostWebhookOptions): Promise<PostWebhookOutcome> {
  const { delivery, target, timeoutMs } = options;
  const body = JSON.stringify(delivery.payload);
  // A timer of our own: `AbortSignal.timeout` inside `AbortSignal.any` can be collected before it
  // fires (Node 20), and the attempt then hangs for as long as the receiver does.
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  try {
    const response = await options.fetch(target.url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.any([options.signal, timeout.signal]),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'arbor-webhooks',
        'x-arbor-event': delivery.type,
        'x-arbor-event-id': delivery.eventId,
        'x-arbor-signature': signWebhook(options.secret, body),
        ...(target.authorization === null ? {} : { authorization: target.authorization }),
      },
    });
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return { delivered: true, status: response.status };
    return {
      delivered: false,
      status: response.status,
      error: `the receiver answered HTTP ${response.status}`,
    };
  } catch (error) {
    return { delivered: false, status: null, error: describeFailure(error, timeoutMs) };
  } finally {
    clearTimeout(timer);
  }
}

/** Why an attempt got no answer, in words for `arbor webhooks RUN`. */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
