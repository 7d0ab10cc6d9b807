/**
 * One readiness probe: GET `url`, read the body to its end (so the socket is free for the next
 * probe instead of left half-read), and tell whether the answer was 2xx. A refused connection or
 * a timeout throws, so that waitFor() can name the last error when its deadline passes.
 *
 * @example
 *   await waitFor(() => answersOk('http://127.0.0.1:3001/readyz'), { what: 'clerk-a ready' })
 */
export interface AnswersOkOptions {
  /** deadline of this one probe, ms (default 1 s) */
  timeoutMs?: number
  headers?: Record<string, string>
}

export async function answersOk(url: string, { timeoutMs = 1_000, headers }: AnswersOkOptions = {}): Promise<boolean> {
  const res = await fetch(url, { ...(headers ? { headers } : {}), signal: AbortSignal.timeout(timeoutMs) })
  await res.arrayBuffer()
  return res.ok
}
