/**
 * One load run: autocannon drives `customers` concurrent connections through whole dialogues
 * (dialogue-requests.ts) against the proxy, bounded by a number of dialogues and/or a duration,
 * while the chaos schedule runs. When a bound is reached no new dialogue starts; the ones in
 * flight may finish (up to `graceMs`), then the run stops and what is still open is recorded as
 * `unfinished`. Returns raw facts only (every dialogue's record, every chaos event);
 * analyze/summarize.ts computes, report/ prints.
 *
 * @example
 *   const run = await runLoad({ target: 'http://127.0.0.1:8080', mode: 'shared', customers: 20,
 *     dialogues: 500, chaos: resolveSchedule([parseChaosFlag('kill', 'clerk-b@2s')], undefined),
 *     chaosClient })
 *   run.records.filter((d) => d.outcome === 'failed').length
 */
import autocannon from 'autocannon'
import type { ChaosClient } from '../../services/cluster/chaos-client.js'
import type { Mode } from '../../services/common/vocabulary.js'
import type { ResolvedChaosStep } from '../args/chaos-flags.js'
import { startChaosSchedule, type ChaosEventRecord } from './chaos-schedule.js'
import { DEFAULT_ORDER, emptyOutcomeCounts, type DialogueRecord, type Outcome, type StatelessCarry } from './customer.js'
import { dialogueRequests } from './dialogue-requests.js'

export interface RunLoadOptions {
  /** the proxy (or any server speaking the dialogue), e.g. http://127.0.0.1:8080 */
  target: string
  mode: Mode
  /** concurrent customers = autocannon connections */
  customers: number
  /** stop starting dialogues after this many (undefined: no count bound) */
  dialogues?: number | undefined
  /** stop starting dialogues after this long, ms (undefined: no time bound besides maxMs) */
  durationMs?: number | undefined
  keepAlive?: boolean
  pipelining?: number
  statelessCarry?: StatelessCarry
  /** per request, seconds (autocannon `timeout`) */
  timeoutSeconds?: number
  /** how long dialogues in flight may take to finish after the bound, ms */
  graceMs?: number
  /** hard cap on the whole run, ms, whatever the bounds say */
  maxMs?: number
  chaos?: readonly ResolvedChaosStep[]
  chaosClient?: ChaosClient | undefined
  keyPrefix?: string
  /** false: customers send no Idempotency-Key (dialogue-requests.ts `keys`; default true) */
  keys?: boolean
  /** false: customers refuse cookies (dialogue-requests.ts `cookies`; default true) */
  cookies?: boolean
  /** products in each customer's cart, the laptop included (default 1: the classic dialogue) */
  items?: number
  /** sent on each ask so the clerks' limit of new sessions per client does not apply (dialogue-requests.ts) */
  adminToken?: string | undefined
  /** once per second while running */
  onProgress?: (progress: RunProgress) => void
  onChaos?: (event: ChaosEventRecord) => void
}

export interface RunProgress {
  elapsedMs: number
  started: number
  open: number
  counts: Record<Outcome, number>
  /** dialogues ended in the last second */
  dialoguesPerSec: number
}

export interface RunResult {
  target: string
  mode: Mode
  customers: number
  keepAlive: boolean
  pipelining: number
  keyPrefix: string
  /** the customers sent Idempotency-Keys (the ledger is then reconciled by key, else by order id) */
  keys: boolean
  /** the customers kept and sent back cookies */
  cookies: boolean
  /** products in each cart */
  items: number
  startedAt: number
  endedAt: number
  /** the bound that stopped new dialogues: `dialogues`, `duration`, `max` */
  stoppedBy: string
  records: DialogueRecord[]
  chaos: ChaosEventRecord[]
  /** autocannon's own request counters (all requests, idle ones included) */
  requests: { sent: number; answered: number; errors: number; timeouts: number; non2xx: number }
}

export const runLoadDefaults = Object.freeze({
  keepAlive: true,
  pipelining: 1,
  timeoutSeconds: 10, // s per request
  graceMs: 12_000, // 12 s for dialogues in flight after the bound
  maxMs: 600_000, // 10 min for any run
})

/** how long a run goes on after a clerk it added joined, so that its timeline shows the new clerk at work */
export const MEMBERSHIP_SETTLE_MS = 2_000 // 2 s

export async function runLoad(options: RunLoadOptions): Promise<RunResult> {
  const keepAlive = options.keepAlive ?? runLoadDefaults.keepAlive
  const pipelining = options.pipelining ?? runLoadDefaults.pipelining
  const timeoutSeconds = options.timeoutSeconds ?? runLoadDefaults.timeoutSeconds
  const graceMs = options.graceMs ?? runLoadDefaults.graceMs
  const maxMs = options.maxMs ?? runLoadDefaults.maxMs
  if (options.dialogues === undefined && options.durationMs === undefined) {
    throw new Error('runLoad needs a bound: dialogues, durationMs or both')
  }

  const records: DialogueRecord[] = []
  const counts = emptyOutcomeCounts()
  let endedThisSecond = 0
  let stoppedBy = ''
  let startedAt = Date.now()

  // A clerk added (or a scale) within the duration holds the duration bound until it has been
  // acknowledged and has worked for MEMBERSHIP_SETTLE_MS: starting a clerk takes seconds on a busy
  // machine, and a run that ended before it joined would show nothing of it. maxMs still caps.
  const membershipSteps = (options.chaos ?? []).filter((step) => (step.verb === 'add' || step.verb === 'scale') && step.atMs < (options.durationMs ?? Infinity)).length
  let membershipDone = 0
  let membershipSettledAt = 0
  const holdsDuration = () => membershipDone < membershipSteps || Date.now() < membershipSettledAt

  function mayStart(): boolean {
    if (stoppedBy !== '') return false
    if (options.dialogues !== undefined && traffic.started() >= options.dialogues) stoppedBy = 'dialogues'
    else if (options.durationMs !== undefined && Date.now() - startedAt >= options.durationMs && !holdsDuration()) stoppedBy = 'duration'
    else if (Date.now() - startedAt >= maxMs) stoppedBy = 'max'
    if (stoppedBy !== '') onBound()
    return stoppedBy === ''
  }

  const traffic = dialogueRequests({
    mode: options.mode,
    keepAlive,
    statelessCarry: options.statelessCarry ?? (pipelining > 1 ? 'fields' : 'token'),
    timeoutSeconds,
    mayStart,
    ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
    keys: options.keys ?? true,
    cookies: options.cookies ?? true,
    wish: { ...DEFAULT_ORDER, items: options.items ?? 1 },
    adminToken: options.adminToken,
    onDialogue(record) {
      records.push(record)
      if (record.outcome) counts[record.outcome]++
      endedThisSecond++
      if (stoppedBy !== '' && traffic.open() === 0) instance?.stop()
    },
  })

  let instance: autocannon.Instance | undefined
  let graceTimer: NodeJS.Timeout | undefined
  function onBound(): void {
    // dialogues in flight get graceMs to finish; then the run stops regardless
    graceTimer ??= setTimeout(() => instance?.stop(), graceMs)
  }

  startedAt = Date.now()
  const schedule = startChaosSchedule(options.chaos ?? [], {
    client: options.chaosClient ?? noChaosClient,
    startedAt,
    onEvent(event) {
      if (event.verb === 'add' || event.verb === 'scale') {
        membershipDone++
        membershipSettledAt = Math.max(membershipSettledAt, event.doneAt + MEMBERSHIP_SETTLE_MS)
      }
      options.onChaos?.(event)
    },
  })
  // with a membership step the duration bound may be held (above): only maxMs bounds autocannon then
  const boundMs = membershipSteps > 0 ? maxMs : (options.durationMs ?? maxMs)
  const hardStopSeconds = Math.ceil((Math.min(maxMs, boundMs + graceMs) + 2_000) / 1000)
  // a time bound re-checked every second, so it holds even while every customer waits on a slow clerk
  const ticker = setInterval(() => {
    mayStart()
    options.onProgress?.({
      elapsedMs: Date.now() - startedAt,
      started: traffic.started(),
      open: traffic.open(),
      counts: { ...counts },
      dialoguesPerSec: endedThisSecond,
    })
    endedThisSecond = 0
  }, 1000)

  let result: autocannon.Result
  try {
    result = await new Promise<autocannon.Result>((resolve, reject) => {
      instance = autocannon(
        {
          url: options.target,
          connections: options.customers,
          pipelining,
          timeout: timeoutSeconds,
          duration: hardStopSeconds,
          requests: traffic.requests,
          setupClient: traffic.setupClient,
        },
        (err, res) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(res)),
      )
    })
  } finally {
    clearInterval(ticker)
    if (graceTimer) clearTimeout(graceTimer)
  }
  const endedAt = Date.now()
  traffic.closeOpen() // ends what is still open as `unfinished`, through onDialogue
  const chaos = await schedule.finish()
  return {
    target: options.target,
    mode: options.mode,
    customers: options.customers,
    keepAlive,
    pipelining,
    keyPrefix: traffic.keyPrefix,
    keys: options.keys ?? true,
    cookies: options.cookies ?? true,
    items: options.items ?? 1,
    startedAt,
    endedAt,
    stoppedBy: stoppedBy || 'max',
    records: records.sort((a, b) => a.id - b.id),
    chaos,
    requests: {
      sent: result.requests.sent,
      answered: result.requests.total,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    },
  }
}

const noChaosClient: ChaosClient = {
  act: () => Promise.reject(new Error('this run has no chaos client (chaos needs the proxy and ADMIN_TOKEN)')),
  hasLauncher: () => Promise.resolve(false),
}
