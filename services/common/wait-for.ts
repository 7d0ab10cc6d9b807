/**
 * Polls `check` until it returns a truthy value or the deadline passes. Used instead of sleeps
 * everywhere something must "become true" (a port listens, a process exits, a clerk is ejected).
 *
 * @example
 *   const body = await waitFor(() => fetchJson(url).catch(() => undefined), { what: 'clerk ready' })
 */
export interface WaitForOptions {
  /** what we are waiting for, used in the timeout error */
  what?: string
  timeoutMs?: number
  intervalMs?: number
}

export async function waitFor<T>(check: () => T | Promise<T>, { what = 'condition', timeoutMs = 10_000, intervalMs = 25 }: WaitForOptions = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await check()
      if (value) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`)
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
