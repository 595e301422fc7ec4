import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); the browser tests need it and download none. */
export const chromiumPath = '/usr/bin/chromium';

/** Whether the browser tests can run here. */
export const haveChromium = existsSync(chromiumPath);

/** Why the browser tests were skipped, and how to run them. */
export const chromiumSkipNotice = `dashboard browser tests skipped: ${chromiumPath} is missing (install it with: apt-get install -y chromium)`;

/** A headless Chromium with a fresh profile (removed on close), quiet on the network: one per suite, shared by its tests. */
export async function launchChromium(
  viewport = { width: 1400, height: 900 },
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(path.join(tmpdir(), 'arbor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(
        () => undefined,
      );
    },
  };
}
