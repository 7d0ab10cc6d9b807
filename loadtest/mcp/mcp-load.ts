/**
 * `npm run loadtest -- --protocol mcp`: the same run as run/run-load.ts (bounds, chaos schedule,
 * progress, one DialogueRecord per dialogue), driven by MCP customers (mcp-customer.ts: the SDK's
 * own Client over Streamable HTTP) instead of autocannon. Its result is a RunResult, so the
 * ledger's reconciliation, the summary and the reports are the HTTP ones; what only MCP has
 * (sessions lost, cut streams resumed, progress events out of order) comes in `mcp`.
 *
 * @example
 *   const run = await runMcpLoad({ target: 'http://127.0.0.1:8080', mode: 'shared', customers: 10, durationMs: 9000 })
 *   run.mcp.streamsResumed
 */
import { startChaosSchedule } from '../run/chaos-schedule.js'
import { emptyOutcomeCounts, type DialogueRecord } from '../run/customer.js'
import { runLoadDefaults, type RunLoadOptions, type RunResult } from '../run/run-load.js'
import { emptyTally, runMcpCustomer } from './mcp-customer.js'

/** what an MCP run adds to the summary (Summary.mcp) */
export interface McpRunCounts {
  /** dialogues whose session the server no longer knew (404 Session not found, or context_lost): re-initialized */
  sessionLost: number
  /** pays whose event stream was cut (a clerk died) and that still completed, resumed or sent again */
  streamsResumed: number
  /** completed pays whose progress events were not exactly 1, 2, 3 (one lost or repeated) */
  progressNot123: number
}

export type McpRunResult = RunResult & { mcp: McpRunCounts }

type McpLoadOptions = Pick<RunLoadOptions, 'target' | 'mode' | 'customers' | 'dialogues' | 'durationMs' | 'graceMs' | 'maxMs' | 'chaos' | 'chaosClient' | 'onProgress' | 'onChaos'>

export async function runMcpLoad(options: McpLoadOptions): Promise<McpRunResult> {
  const graceMs = options.graceMs ?? runLoadDefaults.graceMs
  const maxMs = options.maxMs ?? runLoadDefaults.maxMs
  if (options.dialogues === undefined && options.durationMs === undefined) throw new Error('runMcpLoad needs a bound: dialogues, durationMs or both')
  const tally = emptyTally()
  const records: DialogueRecord[] = []
  const counts = emptyOutcomeCounts()
  let started = 0
  let endedThisSecond = 0
  let stoppedBy = ''
  const startedAt = Date.now()

  let reachedBound: () => void = () => {}
  const bound = new Promise<void>((resolve) => (reachedBound = resolve))
  /** true while dialogues may start; the first time it is false, the grace for the open ones begins */
  function withinBounds(): boolean {
    if (stoppedBy === '') {
      if (options.dialogues !== undefined && started >= options.dialogues) stoppedBy = 'dialogues'
      else if (options.durationMs !== undefined && Date.now() - startedAt >= options.durationMs) stoppedBy = 'duration'
      else if (Date.now() - startedAt >= maxMs) stoppedBy = 'max'
      if (stoppedBy !== '') reachedBound()
    }
    return stoppedBy === ''
  }

  const schedule = startChaosSchedule(options.chaos ?? [], {
    client: options.chaosClient ?? { act: () => Promise.reject(new Error('this run has no chaos client')), hasLauncher: () => Promise.resolve(false) },
    startedAt,
    ...(options.onChaos ? { onEvent: options.onChaos } : {}),
  })
  // the bound re-checked every second, so it holds even while every customer waits on a cut stream
  const ticker = setInterval(() => {
    withinBounds()
    options.onProgress?.({ elapsedMs: Date.now() - startedAt, started, open: started - records.length, counts: { ...counts }, dialoguesPerSec: endedThisSecond })
    endedThisSecond = 0
  }, 1000)
  const hooks = {
    mayStart() {
      if (!withinBounds()) return false
      started++
      return true
    },
    onDialogue(record: DialogueRecord) {
      records.push(record)
      if (record.outcome) counts[record.outcome]++
      endedThisSecond++
    },
  }
  let graceTimer: NodeJS.Timeout | undefined
  try {
    const customers = Promise.all(Array.from({ length: options.customers }, () => runMcpCustomer(options.target, options.mode, hooks, tally)))
    // every call is bounded (mcp-customer.ts: 5 s without an answer or a progress event), so the
    // customers end soon after the bound; the grace only caps the wait for them
    const graceOver = bound.then(() => new Promise<void>((resolve) => (graceTimer = setTimeout(resolve, graceMs))))
    await Promise.race([customers, graceOver])
  } finally {
    clearInterval(ticker)
    if (graceTimer) clearTimeout(graceTimer)
  }
  const endedAt = Date.now()
  const chaos = await schedule.finish()
  return {
    target: options.target,
    mode: options.mode,
    customers: options.customers,
    keepAlive: true,
    pipelining: 1,
    keyPrefix: '',
    keys: false, // MCP's pay carries no Idempotency-Key: reconciled by the order id each customer was told
    cookies: true, // nothing refused: MCP carries its session in the Mcp-Session-Id header, not a cookie
    items: 1, // the MCP tools sell one product per dialogue
    startedAt,
    endedAt,
    stoppedBy: stoppedBy || 'max',
    records: records.sort((a, b) => a.startedAt - b.startedAt),
    chaos,
    // tool calls (initialize and listTools not counted); a 404 is among the failed calls
    requests: { sent: tally.calls, answered: tally.calls - tally.callsFailed, errors: tally.callsFailed, timeouts: 0, non2xx: 0 },
    mcp: { sessionLost: tally.session_lost, streamsResumed: tally.resumed, progressNot123: tally.progress_bad },
  }
}
