import type { WorkshopTarget } from './target.js'

/**
 * One dialogue step sent by a self-check, timed, as a fresh customer would (no cookie): what a
 * check measures itself, bounded by a deadline. The admin token rides along so the clerk does not
 * count the check's new sessions against the learner's address (CLERK_NEW_SESSIONS_PER_MINUTE).
 */
export interface ProbeAnswer {
  status: number
  ms: number
  code: string | undefined
  context: string | undefined
}

const PROBE_TIMEOUT_MS = 5_000 // 5 s

export async function probeStep(target: WorkshopTarget, path: string, body: unknown): Promise<ProbeAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (target.adminToken) headers.authorization = `Bearer ${target.adminToken}`
  const started = performance.now()
  try {
    const res = await fetch(target.proxyUrl + path, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) })
    const answer = (await res.json().catch(() => ({}))) as { error?: string; context?: string }
    return { status: res.status, ms: performance.now() - started, code: answer.error, context: answer.context }
  } catch {
    return { status: 0, ms: performance.now() - started, code: 'no answer', context: undefined }
  }
}

export const describeProbe = (what: string, a: ProbeAnswer): string =>
  `${what}: ${a.status === 0 ? 'no answer' : `HTTP ${a.status}`}${a.code ? ` ${a.code}` : ''} in ${Math.round(a.ms)} ms`
