import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'

/** the system Chromium the browser tests drive (Debian's package; .ci/run installs it) */
export const CHROMIUM = '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

/** headless Chromium, with the flags it needs on this closed network */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // without the background-networking flags Chromium stalls on this closed network
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}
