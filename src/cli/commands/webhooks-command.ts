import type { Command } from 'commander';
import { getRun } from '../../api/queries.js';
import { openWebhookDeliveryLog } from '../../service/webhooks/index.js';
import { openStore } from '../../store/index.js';
import { print, type CommonFlags } from '../command-context.js';
import { formatWebhookDelivery } from '../format-webhook-delivery.js';
import { hideUriPasswords } from '../redact-secrets.js';

/** `arbor webhooks RUN [--json]`: the run's webhook deliveries, their attempts and last errors. */
export function registerWebhooksCommand(program: Command): void {
  program
    .command('webhooks')
    .description(
      "list a run's webhook deliveries: event, node, URL, attempts, delivered/pending/given up, last error",
    )
    .argument('<run>', 'run id')
    .option('--json', 'print the delivery documents as JSON')
    .action(async (runId: string, flags: CommonFlags & { json?: boolean }) => {
      const store = await openStore(flags.store);
      try {
        await getRun(store, runId);
        const log = await openWebhookDeliveryLog(store);
        try {
          const deliveries = await log.listByRun(runId);
          if (flags.json) {
            print(
              JSON.stringify(
                deliveries.map((delivery) => ({ ...delivery, url: hideUriPasswords(delivery.url) })),
                null,
                2,
              ),
            );
            return;
          }
          if (deliveries.length === 0) {
            print(`No webhook deliveries for run ${runId}. Webhooks are sent by arbor serve --webhook URL.`);
            return;
          }
          for (const delivery of deliveries) print(formatWebhookDelivery(delivery));
        } finally {
          await log.close();
        }
      } finally {
        await store.close();
      }
    });
}
