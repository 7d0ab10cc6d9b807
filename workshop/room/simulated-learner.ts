import { createCookieJar } from '../../loadtest/run/cookie-jar.js'
import { MODES, type Mode } from '../../services/common/vocabulary.js'

/**
 * One learner's browser on the learner page, as the cluster sees it: one event stream held open
 * (GET /_lb/events, read and thrown away), GET /_lb/status every 2 s, and a whole dialogue (ask,
 * buy, pay) every `dialogueEveryMs`, in each mode in turn, with its own cookie jar. Bounded: it
 * stops at `signal`.
 */
const STATUS_EVERY_MS = 2_000 // the page's poll
const CALL_TIMEOUT_MS = 10_000 // 10 s: a stuck call counts as failed

export interface LearnerTally {
  dialogues: number
  failed: number
  streamOpened: boolean
  requests: number
}

export async function runLearner(base: string, index: number, dialogueEveryMs: number, signal: AbortSignal): Promise<LearnerTally> {
  const tally: LearnerTally = { dialogues: 0, failed: 0, streamOpened: false, requests: 0 }
  const stream = holdEventStream(base, signal, tally)
  const poll = (async () => {
    while (!signal.aborted) {
      await call(base, 'GET', '/_lb/status', undefined, undefined, tally).catch(() => undefined)
      await sleep(STATUS_EVERY_MS, signal)
    }
  })()
  // learners do not click in step: each starts at its own point of the period
  await sleep((index * 997) % dialogueEveryMs, signal)
  let turn = index
  while (!signal.aborted) {
    const mode = MODES[turn++ % MODES.length] as Mode
    const ok = await dialogue(base, mode, tally).catch(() => false)
    if (ok) tally.dialogues++
    else if (!signal.aborted) tally.failed++
    await sleep(dialogueEveryMs, signal)
  }
  await Promise.allSettled([stream, poll])
  return tally
}

async function dialogue(base: string, mode: Mode, tally: LearnerTally): Promise<boolean> {
  const jar = createCookieJar()
  let context: string | undefined
  for (const [step, body] of [
    ['ask', { product: 'laptop' }],
    ['buy', { quantity: 2 }],
    ['pay', { method: 'card' }],
  ] as const) {
    const sent = mode === 'stateless' && context !== undefined && step !== 'ask' ? { ...body, context } : body
    const res = await call(base, 'POST', `/${mode}/${step}`, JSON.stringify(sent), jar.header(), tally)
    jar.take(res.headers.getSetCookie())
    const answer = (await res.json().catch(() => ({}))) as { context?: unknown }
    if (!res.ok) return false
    if (typeof answer.context === 'string') context = answer.context
  }
  return true
}

async function call(base: string, method: string, path: string, body: string | undefined, cookie: string | undefined, tally: LearnerTally): Promise<Response> {
  tally.requests++
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (cookie !== undefined) headers.cookie = cookie
  return fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
}

async function holdEventStream(base: string, signal: AbortSignal, tally: LearnerTally): Promise<void> {
  try {
    const res = await fetch(`${base}/_lb/events`, { signal })
    tally.streamOpened = res.ok
    const reader = res.body?.getReader()
    while (reader && !signal.aborted) {
      const { done } = await reader.read()
      if (done) break
    }
  } catch {
    // aborted at the end of the run, or refused (503 when the proxy's streams are full)
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
  })
}
