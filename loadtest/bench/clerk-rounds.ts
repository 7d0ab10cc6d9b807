/**
 * One round of `npm run bench:clerk`: autocannon runs WHOLE dialogues (ask → buy → pay) against one
 * clerk for a while, through run/dialogue-requests.ts (cookies, the stateless token, the pay's
 * Idempotency-Key, one record per dialogue); here we only count how they ended and read the CPU the
 * clerk and redis-server spent. bench/summaries.ts adds the rounds up.
 *
 * @example
 *   const round = await runRound('shared', clerk.url, 4, 50, { clerk: clerk.child.pid, redis: redis.pid() })
 *   round.requests / round.seconds   // requests/s
 */
import autocannon from 'autocannon'
import { readCpuSeconds } from '../analyze/proc-cpu.js'
import type { Mode } from '../../services/common/vocabulary.js'
import { DEFAULT_ORDER, type DialogueRecord } from '../run/customer.js'
import { dialogueRequests, type DialogueTraffic } from '../run/dialogue-requests.js'
import { addBytes, type WireBytes } from '../run/wire-bytes.js'

export interface DialogueCounters {
  completed: number
  failed: number
  /** bytes on the wire of the completed dialogues, requests and answers (run/wire-bytes.ts) */
  wire: WireBytes
  /** dialogues that ended on an answer other than a confirmed order, by "step status reason",
   *  e.g. "buy 409 context_lost", "pay 0 timeout" */
  failures: Record<string, number>
}

export function newDialogueCounters(): DialogueCounters {
  return { completed: 0, failed: 0, wire: { sent: 0, received: 0 }, failures: {} }
}

/** pure: one ended dialogue into the counters; one cut by the end of the round is not a failure */
export function countDialogue(counters: DialogueCounters, record: DialogueRecord): void {
  if (record.outcome === 'completed') {
    counters.completed++
    if (record.wire) addBytes(counters.wire, record.wire)
  } else if (record.outcome === 'failed' || record.outcome === 'context_lost' || record.outcome === 'no_session') {
    counters.failed++
    const key = `${record.step ?? '?'} ${record.status ?? 0} ${record.reason ?? ''}`
    counters.failures[key] = (counters.failures[key] ?? 0) + 1
  }
}

/** the autocannon traffic of one round: whole dialogues in `mode` with carts of `items` products, each counted when it ends */
export function benchTraffic(mode: Mode, counters: DialogueCounters, items = 1): DialogueTraffic {
  return dialogueRequests({
    mode,
    wish: { ...DEFAULT_ORDER, items },
    // no proxy stands between autocannon and the clerk to retry an ask or a buy: only pay needs its key
    retrySafeSteps: false,
    onDialogue: (record) => countDialogue(counters, record),
  })
}

export interface RoundResult {
  mode: Mode
  /** products in each cart */
  items: number
  seconds: number
  /** CPU seconds the clerk process spent in this round */
  clerkCpu: number
  /** CPU seconds redis-server spent in this round */
  redisCpu: number
  requests: number
  /** completed dialogues */
  dialogues: number
  /** bytes on the wire of the completed dialogues */
  wire: WireBytes
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
  failures: Record<string, number>
}

export async function runRound(
  mode: Mode,
  url: string,
  seconds: number,
  connections: number,
  pids: { clerk?: number | undefined; redis?: number | undefined },
  items = 1,
): Promise<RoundResult> {
  const counters = newDialogueCounters()
  const traffic = benchTraffic(mode, counters, items)
  const known = Object.fromEntries(Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined))
  const before = readCpuSeconds(known)
  const result = await autocannon({
    url,
    connections,
    pipelining: 1, // a step needs the previous answer's cookie or token
    duration: seconds,
    requests: traffic.requests,
    setupClient: traffic.setupClient,
  })
  traffic.closeOpen() // dialogues cut by the end of the round: neither completed nor failed
  const after = readCpuSeconds(known)
  const used = (name: 'clerk' | 'redis') => (after[name] ?? 0) - (before[name] ?? after[name] ?? 0)
  return {
    mode,
    items,
    seconds,
    clerkCpu: used('clerk'),
    redisCpu: used('redis'),
    requests: result.requests.total,
    dialogues: counters.completed,
    wire: counters.wire,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    failures: counters.failures,
  }
}
