/**
 * Turns the raw facts of a run (every dialogue's record, every chaos event, the ledger check)
 * into the numbers the reports print. Pure: no I/O, no clock, no printing (autocannon's
 * aggregateResult.js is the model), so every figure can be checked against hand-made records.
 *
 * @example
 *   const summary = summarize(run, { policy: 'sticky', reconcile: reconcile(run.records, orders, run.keyPrefix) })
 *   summary.dialogues.context_lost   // how many dialogues a clerk forgot
 *   summary.timeline[3]              // { second: 3, completed: 41, context_lost: 2, failed: 0, … }
 */
import type { McpRunCounts } from '../mcp/mcp-load.js'
import type { ChaosEventRecord } from '../run/chaos-schedule.js'
import { STEPS, type Mode, type Step } from '../../services/common/vocabulary.js'
import { emptyOutcomeCounts, type DialogueRecord, type Outcome } from '../run/customer.js'
import type { RunResult } from '../run/run-load.js'
import type { TimeWaitCount } from './tcp-states.js'
import type { ReconcileResult } from './reconcile.js'

/** What summarize reads of a run: run/run-load.ts's RunResult (a hand-made one may leave out `requests`). */
export type SummaryInput = Pick<RunResult, 'target' | 'mode' | 'customers' | 'keepAlive' | 'pipelining' | 'startedAt' | 'endedAt' | 'stoppedBy'> & {
  records: readonly DialogueRecord[]
  chaos: readonly ChaosEventRecord[]
  requests?: RunResult['requests']
  /** false: the customers refused cookies (default true) */
  cookies?: boolean
  /** products in each cart (default 1) */
  items?: number
}

export interface SummaryExtras {
  /** e.g. `stateful + sticky` (default: mode, plus policy when given) */
  label?: string
  policy?: string
  reconcile?: ReconcileResult | undefined
  /** why reconciliation could not be done (e.g. Redis down at the end) */
  reconcileError?: string | undefined
  /** CPU seconds each process spent during the run (`clerk-a`, `proxy`, `redis`, `loadgen`…) */
  cpuSeconds?: Record<string, number> | undefined
  /** dialogues our proxy counted as handed over during the run (/_lb/status counters.handoffs, after − before) */
  proxyHandoffs?: number | undefined
}

export interface LatencyStats {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export interface TimelineSecond {
  /** seconds since the start of the run: [second, second + 1) */
  second: number
  started: number
  completed: number
  context_lost: number
  no_session: number
  failed: number
  unfinished: number
  /** completed dialogues by the clerk that answered their pay (shows a clerk joining or leaving) */
  completedByClerk: Record<string, number>
  /** whole-dialogue latency of the dialogues completed in this second, ms (0 when none did) */
  p50Ms: number
  p99Ms: number
}

export interface ChaosMark {
  text: string
  verb: string
  target: string
  /** offset of the moment it was fired, ms from the start */
  offsetMs: number
  /** how long the action took, ms */
  tookMs: number
  ok: boolean
  error: string | undefined
}

/**
 * A clerk killed (or terminated) mid-run: the dialogues that started with it (ask answered by it,
 * sent before the action was acknowledged) and had not ended when the action was fired are
 * exposed. The process dies somewhere between firing and acknowledgement, so a dialogue that ended
 * in that window may have finished in time; one whose last answer came after the acknowledgement
 * cannot have. With sessions in clerk memory and sticky routing, the dialogues lost are exactly
 * exposed ones, and every one open after the acknowledgement is lost, but one: a pay that reached
 * the clerk, was charged, and lost its answer with the clerk is retried by the proxy on another
 * clerk, which finds the order by its receipt (`receipt`). The ledger saved that payment, not the
 * dialogue's session.
 */
export interface Exposure {
  text: string
  target: string
  offsetMs: number
  /** pinned to the target (its ask answered there), started before the acknowledgement, open when fired */
  exposed: number
  /** of those, ended as context_lost or failed */
  exposedLost: number
  /** of those, still open when the action was acknowledged (their last answer came after it) */
  openAfterAck: number
  /** of those, ended as context_lost or failed */
  openAfterAckLost: number
  /** of the exposed, completed because their pay was answered from a receipt by another clerk */
  receipted: number
  /** dialogues that ended context_lost or failed without being exposed to this event */
  otherLost: number
}

export interface Summary {
  label: string
  mode: Mode
  policy: string | undefined
  target: string
  customers: number
  keepAlive: boolean
  pipelining: number
  /** false: the customers refused cookies (--cookies off) */
  cookies: boolean
  /** products in each customer's cart (--items) */
  items: number
  startedAt: string
  durationMs: number
  /** from the start to the last dialogue's end, ms: the window rates are computed over */
  activeMs: number
  stoppedBy: string
  dialogues: Record<Outcome, number> & { total: number }
  /** (context_lost + no_session + failed) / ended dialogues, 0..1 */
  lossRate: number
  /** completed dialogues per second of activeMs */
  dialoguesPerSec: number
  /** dialogue answers (ask, buy and pay) per second of activeMs */
  answersPerSec: number
  latencyMs: Record<Step, LatencyStats>
  /** latency of a whole completed dialogue: ask sent → pay answered */
  dialogueLatencyMs: LatencyStats
  /** where the unhappy dialogues ended */
  endedAt: { context_lost: Record<Step, number>; failed: Record<Step, number> }
  /** failure reasons (error codes, `timeout`, `ECONNRESET` …) and how often */
  failedReasons: Record<string, number>
  /** per clerk that answered the ask: how those dialogues ended */
  byClerk: Record<string, Record<Outcome, number> & { dialogues: number }>
  redispatched: number
  /**
   * stateful dialogues that completed on another clerk than the one that answered their ask: the
   * next clerk knew what the customer had said, so it was handed over (a handoff on SIGTERM)
   */
  handedOver: number
  /** our proxy's own count for the run (/_lb/status counters.handoffs); undefined behind another balancer */
  proxyHandoffs: number | undefined
  /**
   * per clerk, the first second it answered an ask, and how many of the dialogues it answered
   * steps of had started elsewhere: under stateful + sticky a clerk that joins mid-run takes new
   * customers only (0 started elsewhere, unless it claimed a handoff)
   */
  clerkArrivals: Record<string, { firstAskSecond: number | null; dialogues: number; startedElsewhere: number }>
  timeline: TimelineSecond[]
  chaos: ChaosMark[]
  exposure: Exposure[]
  reconcile: ReconcileResult | undefined
  reconcileError: string | undefined
  requests: SummaryInput['requests']
  /** bytes on the wire per completed dialogue, as the customers' sockets counted them (undefined: not measured) */
  wire: WirePerDialogue | undefined
  /** CPU ms per completed dialogue, per part: clerks (all together), proxy, redis, loadgen (undefined: not read) */
  cpuMsPerDialogue: Record<string, number> | undefined
  /** an MCP run's own counts (--protocol mcp: loadtest/mcp/mcp-load.ts); absent for HTTP */
  mcp?: McpRunCounts
}

export interface WirePerDialogue {
  /** completed dialogues measured */
  dialogues: number
  /** mean bytes customer → cluster: request lines, headers, cookies, bodies and tokens */
  sentPerDialogue: number
  /** mean bytes cluster → customer: status lines, headers, set-cookie, bodies and tokens */
  receivedPerDialogue: number
}

/** mean wire bytes of completed dialogues; undefined when none was measured */
export function wirePerDialogue(records: readonly DialogueRecord[]): WirePerDialogue | undefined {
  const measured = records.filter((r) => r.outcome === 'completed' && r.wire !== undefined)
  if (measured.length === 0) return undefined
  const mean = (pick: (w: { sent: number; received: number }) => number) =>
    Math.round(measured.reduce((sum, r) => sum + pick(r.wire ?? { sent: 0, received: 0 }), 0) / measured.length)
  return { dialogues: measured.length, sentPerDialogue: mean((w) => w.sent), receivedPerDialogue: mean((w) => w.received) }
}

/** the part of the cluster a process is: every clerk counts as `clerks`; the launcher does no dialogue work */
function cpuPart(name: string): string | undefined {
  if (name === 'launcher') return undefined
  return name.startsWith('clerk') ? 'clerks' : name
}

/** CPU ms per completed dialogue, per part (0.01 ms); undefined without readings or dialogues */
export function cpuMsPerDialogue(cpuSeconds: Record<string, number> | undefined, completed: number): Record<string, number> | undefined {
  if (cpuSeconds === undefined || completed === 0) return undefined
  const parts: Record<string, number> = {}
  for (const [name, seconds] of Object.entries(cpuSeconds)) {
    const part = cpuPart(name)
    if (part !== undefined) parts[part] = (parts[part] ?? 0) + seconds
  }
  return Object.fromEntries(Object.entries(parts).map(([part, seconds]) => [part, Math.round(((seconds * 1000) / completed) * 100) / 100]))
}

/** nearest-rank percentile of sorted values; 0 for none */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export function latencyStats(values: readonly number[]): LatencyStats {
  const sorted = [...values].sort((a, b) => a - b)
  const round = (n: number) => Math.round(n * 100) / 100 // 0.01 ms
  const sum = sorted.reduce((a, b) => a + b, 0)
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? 0),
    mean: round(sorted.length === 0 ? 0 : sum / sorted.length),
  }
}

function stepCounts(): Record<Step, number> {
  return { ask: 0, buy: 0, pay: 0 }
}

const isLost = (r: DialogueRecord) => r.outcome === 'context_lost' || r.outcome === 'no_session' || r.outcome === 'failed'

export function exposureTo(event: ChaosEventRecord, records: readonly DialogueRecord[], startedAt: number): Exposure {
  const exposedSet = records.filter((r) => r.clerks.ask === event.target && r.startedAt < event.doneAt && (r.endedAt ?? Infinity) > event.firedAt)
  const openAfterAck = exposedSet.filter((r) => (r.endedAt ?? Infinity) > event.doneAt)
  const exposedIds = new Set(exposedSet.map((r) => r.id))
  return {
    text: event.text,
    target: event.target,
    offsetMs: event.firedAt - startedAt,
    exposed: exposedSet.length,
    exposedLost: exposedSet.filter(isLost).length,
    openAfterAck: openAfterAck.length,
    openAfterAckLost: openAfterAck.filter(isLost).length,
    receipted: exposedSet.filter((r) => r.receipt && r.outcome === 'completed').length,
    otherLost: records.filter((r) => isLost(r) && !exposedIds.has(r.id)).length,
  }
}

export function summarize(run: SummaryInput, extras: SummaryExtras = {}): Summary {
  const durationMs = Math.max(1, run.endedAt - run.startedAt)
  // Rates are taken over the time dialogues were ending, not the idle tail while autocannon
  // notices every customer has left (up to a second).
  const lastEnd = run.records.reduce((max, r) => Math.max(max, r.endedAt ?? 0), 0)
  const activeMs = Math.max(1, Math.min(durationMs, lastEnd > 0 ? lastEnd - run.startedAt : durationMs))
  const dialogues = { ...emptyOutcomeCounts(), total: run.records.length }
  const endedAt = { context_lost: stepCounts(), failed: stepCounts() }
  const failedReasons: Record<string, number> = {}
  const byClerk: Summary['byClerk'] = {}
  const stepLatencies: Record<Step, number[]> = { ask: [], buy: [], pay: [] }
  const dialogueLatencies: number[] = []
  const seconds = Math.max(1, Math.ceil(activeMs / 1000))
  const timeline: TimelineSecond[] = Array.from({ length: seconds }, (_, second) => ({
    second,
    started: 0,
    completed: 0,
    context_lost: 0,
    no_session: 0,
    failed: 0,
    unfinished: 0,
    completedByClerk: {},
    p50Ms: 0,
    p99Ms: 0,
  }))
  const latenciesBySecond: number[][] = timeline.map(() => [])
  const secondOf = (at: number) => Math.min(seconds - 1, Math.max(0, Math.floor((at - run.startedAt) / 1000)))
  const bucket = (at: number) => timeline[secondOf(at)]
  let answers = 0
  let redispatched = 0
  let handedOver = 0
  const clerkArrivals: Summary['clerkArrivals'] = {}

  for (const r of run.records) {
    const outcome: Outcome = r.outcome ?? 'unfinished'
    dialogues[outcome]++
    if ((outcome === 'context_lost' || outcome === 'failed') && r.step) endedAt[outcome][r.step]++
    if (outcome === 'failed') failedReasons[r.reason ?? 'unknown'] = (failedReasons[r.reason ?? 'unknown'] ?? 0) + 1
    if (r.redispatched) redispatched++
    const clerk = r.clerks.ask ?? '(none)'
    byClerk[clerk] ??= { ...emptyOutcomeCounts(), dialogues: 0 }
    byClerk[clerk].dialogues++
    byClerk[clerk][outcome]++
    for (const step of STEPS) {
      const ms = r.latencyMs[step]
      if (ms !== undefined) {
        stepLatencies[step].push(ms)
        answers++
      }
    }
    if (outcome === 'completed' && r.endedAt !== undefined) {
      dialogueLatencies.push(r.endedAt - r.startedAt)
      latenciesBySecond[secondOf(r.endedAt)]?.push(r.endedAt - r.startedAt)
    }
    const start = bucket(r.startedAt)
    if (start) start.started++
    const end = bucket(r.endedAt ?? run.endedAt)
    if (end) end[outcome]++
    const payClerk = r.clerks.pay
    if (end && outcome === 'completed' && payClerk !== undefined) end.completedByClerk[payClerk] = (end.completedByClerk[payClerk] ?? 0) + 1
    const later = [r.clerks.buy, r.clerks.pay].filter((c): c is string => c !== undefined && c !== r.clerks.ask)
    if (r.mode === 'stateful' && outcome === 'completed' && later.length > 0) handedOver++
    if (r.clerks.ask !== undefined) {
      const arrival = (clerkArrivals[r.clerks.ask] ??= { firstAskSecond: null, dialogues: 0, startedElsewhere: 0 })
      const second = Math.max(0, Math.floor((r.startedAt - run.startedAt) / 1000))
      arrival.firstAskSecond = Math.min(arrival.firstAskSecond ?? second, second)
    }
    for (const clerk of new Set([r.clerks.ask, ...later].filter((c): c is string => c !== undefined))) {
      const arrival = (clerkArrivals[clerk] ??= { firstAskSecond: null, dialogues: 0, startedElsewhere: 0 })
      arrival.dialogues++
      if (clerk !== r.clerks.ask) arrival.startedElsewhere++
    }
  }

  timeline.forEach((t, i) => {
    const { p50, p99 } = latencyStats(latenciesBySecond[i] ?? [])
    t.p50Ms = p50
    t.p99Ms = p99
  })
  const lost = dialogues.context_lost + dialogues.no_session + dialogues.failed
  const ended = dialogues.completed + lost
  const kills = run.chaos.filter((e) => (e.verb === 'kill' || e.verb === 'terminate') && e.ok)
  return {
    label: extras.label ?? (extras.policy ? `${run.mode} + ${extras.policy}` : run.mode),
    mode: run.mode,
    policy: extras.policy,
    target: run.target,
    customers: run.customers,
    keepAlive: run.keepAlive,
    pipelining: run.pipelining,
    cookies: run.cookies ?? true,
    items: run.items ?? 1,
    startedAt: new Date(run.startedAt).toISOString(),
    durationMs,
    stoppedBy: run.stoppedBy,
    dialogues,
    lossRate: ended === 0 ? 0 : lost / ended,
    activeMs,
    dialoguesPerSec: Math.round((dialogues.completed / (activeMs / 1000)) * 10) / 10,
    answersPerSec: Math.round((answers / (activeMs / 1000)) * 10) / 10,
    latencyMs: {
      ask: latencyStats(stepLatencies.ask),
      buy: latencyStats(stepLatencies.buy),
      pay: latencyStats(stepLatencies.pay),
    },
    dialogueLatencyMs: latencyStats(dialogueLatencies),
    endedAt,
    failedReasons,
    byClerk,
    redispatched,
    handedOver,
    proxyHandoffs: extras.proxyHandoffs,
    clerkArrivals,
    timeline,
    chaos: run.chaos.map((e) => ({
      text: e.text,
      verb: e.verb,
      target: e.target,
      offsetMs: e.firedAt - run.startedAt,
      tookMs: e.doneAt - e.firedAt,
      ok: e.ok,
      error: e.error,
    })),
    exposure: kills.map((e) => exposureTo(e, run.records, run.startedAt)),
    reconcile: extras.reconcile,
    reconcileError: extras.reconcileError,
    requests: run.requests,
    wire: wirePerDialogue(run.records),
    cpuMsPerDialogue: cpuMsPerDialogue(extras.cpuSeconds, dialogues.completed),
  }
}

/** one run of a keep-alive comparison (the same load with keep-alive on, then Connection: close) */
export interface KeepAliveRow {
  keepAlive: boolean
  /** index of this run in `runs` */
  run: number
  completedPerSec: number
  answersPerSec: number
  /** per answer, all steps together, ms */
  answerP50: number
  answerP99: number
  timeWaitBefore: TimeWaitCount | undefined
  timeWaitAfter: TimeWaitCount | undefined
}

/**
 * Keep-alive against `Connection: close`: one row per run, with the sockets in TIME_WAIT counted
 * before and after it (the lecture on long and short TCP connections).
 */
export function keepAliveRow(
  measured: {
    run: Pick<RunResult, 'records' | 'keepAlive'>
    summary: Summary
    timeWaitBefore: TimeWaitCount | undefined
    timeWaitAfter: TimeWaitCount | undefined
  },
  runIndex: number,
): KeepAliveRow {
  const answers = measured.run.records.flatMap((r) => Object.values(r.latencyMs).filter((v): v is number => v !== undefined))
  const stats = latencyStats(answers)
  return {
    keepAlive: measured.run.keepAlive,
    run: runIndex,
    completedPerSec: measured.summary.dialoguesPerSec,
    answersPerSec: measured.summary.answersPerSec,
    answerP50: stats.p50,
    answerP99: stats.p99,
    timeWaitBefore: measured.timeWaitBefore,
    timeWaitAfter: measured.timeWaitAfter,
  }
}
