import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Firefox ESR (`apt-get install -y firefox-esr`), driven over WebDriver BiDi; nothing is downloaded. */
export const firefoxPath = '/usr/bin/firefox-esr';

/** Whether the Firefox browser tests can run here. */
export const haveFirefox = existsSync(firefoxPath);

/** Why the Firefox browser tests were skipped, and how to run them. */
export const firefoxSkipNotice = `dashboard Firefox tests skipped: ${firefoxPath} is missing (install it with: apt-get install -y firefox-esr)`;

/** A headless Firefox with a fresh profile: one per suite, shared by its tests. */
export function launchFirefox(): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath,
    headless: true,
    defaultViewport: { width: 1400, height: 900 },
    protocolTimeout: 60_000,
    extraPrefsFirefox: { 'network.dns.disableIPv6': true },
  });
}
