/**
 * A worker that cannot listen (port taken, PROXY_HOST that does not resolve) tells the primary, which
 * prints the sentence once and stops the proxy with exit code 1. Without it the worker died with
 * a stack trace, the primary started another, and so on forever (100 restarts in 8 s).
 *
 * Kept apart from messages.ts: it is the one message about the worker itself, not the proxy's
 * routing.
 */
export interface ListenFailed {
  t: 'listen-failed'
  /** the whole sentence from listenFailure(), without the "proxy: " prefix */
  message: string
}

export function isListenFailed(message: unknown): message is ListenFailed {
  return typeof message === 'object' && message !== null && (message as { t?: unknown }).t === 'listen-failed'
}

/**
 * Sends the report. The worker then waits to be stopped by the primary rather than exiting: an
 * exit could reach the primary before the message does, and it would read as a crash.
 */
export function reportListenFailure(message: string): void {
  const report: ListenFailed = { t: 'listen-failed', message }
  if (process.connected && process.send) {
    process.send(report)
    return
  }
  // no primary to tell (it died meanwhile): say it ourselves
  process.stderr.write(`proxy: ${message}\n`)
  process.exit(1)
}
