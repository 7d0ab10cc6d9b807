/**
 * Pure: how long to wait before restarting a child that died unexpectedly. Doubling from 250 ms
 * up to 5 s keeps a clerk that crashes at start (a port in use, a bad build) from spinning the
 * CPU, while a one-off crash comes back almost at once. A child that stayed up for `stableMs`
 * counts as healthy again, so its next crash starts from the short delay.
 */
export const restartBackoff = Object.freeze({
  firstMs: 250, // 250 ms
  maxMs: 5_000, // 5 s
  stableMs: 10_000, // 10 s up = the crash streak is over
})

/** @param crashStreak crashes in a row, 1 for the first */
export function restartDelayMs(crashStreak: number, { firstMs, maxMs } = restartBackoff): number {
  const n = Math.max(1, Math.floor(crashStreak))
  return Math.min(maxMs, firstMs * 2 ** Math.min(n - 1, 30))
}
