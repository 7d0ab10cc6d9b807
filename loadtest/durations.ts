/**
 * Reads a time written the way people type it on a command line: `30s`, `500ms`, `1.5s`, `2m`,
 * or a bare number of seconds. Returns milliseconds, or undefined when it is not a time.
 *
 * @example
 *   parseDurationMs('1.5s')  // 1500
 */
export function parseDurationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim())
  if (!match) return undefined
  const value = Number(match[1])
  const unit = match[2] ?? 's'
  const ms = unit === 'ms' ? value : unit === 's' ? value * 1000 : value * 60_000
  return Math.round(ms)
}

/** `1500` → `1.5s`, `30000` → `30s`, `250` → `250ms` */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = ms / 1000
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`
}
