import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Summary } from '../../../../loadtest/analyze/summarize.js'
import { parseChaosFlag } from '../../../../loadtest/args/chaos-flags.js'
import { writeHtmlReport, writeJsonReport } from '../../../../loadtest/report/files.js'
import { renderHtmlReport } from '../../../../loadtest/report/html.js'
import { buildReport, type LoadtestReport } from '../../../../loadtest/report/json.js'
import { measuredRun } from '../../../../loadtest/run/measured-run.js'
import { openCluster, type ClusterHandle } from '../../../../loadtest/run/open-cluster.js'

// Short bounded runs against a real local cluster (npm start's launcher: Redis, three clerks, the
// proxy) over real sockets. Each clerk answer takes 30 ms of simulated work so that a dialogue
// lasts long enough for a kill to catch some in flight. Counts are asserted, never timings.
let cluster: ClusterHandle
const summaries: Summary[] = []

beforeAll(async () => {
  cluster = await openCluster({ clerks: 3, env: { CLERK_WORK_MS: '30' }, log: () => {} })
}, 60_000)

afterAll(async () => {
  await cluster?.close()
})

describe('the load test counts what each session design loses', () => {
  it('refuses a chaos step naming a clerk the cluster does not have, before any load', async () => {
    await expect(
      measuredRun(cluster, { mode: 'shared', policy: 'round-robin', customers: 2, dialogues: 10, chaos: [parseChaosFlag('kill', 'clerk-zz@1s')], progress: false }),
    ).rejects.toThrow(/--kill clerk-zz@1s: the cluster has no clerk "clerk-zz" \(it has clerk-a, clerk-b, clerk-c\)/)
  })

  it('says at once that no proxy answers at a --target, instead of waiting for health deadlines', async () => {
    // the health deadlines alone are 40 s: this sentence is said before any of them
    await expect(openCluster({ target: 'http://127.0.0.1:1', log: () => {} })).rejects.toThrow(
      /no proxy answers at http:\/\/127\.0\.0\.1:1 .*start a cluster with `npm start` or check --target/,
    )
  })

  it('completes every shared dialogue without chaos: nothing lost, nothing doubled', async () => {
    const { summary } = await measuredRun(cluster, { mode: 'shared', policy: 'round-robin', customers: 12, dialogues: 200, progress: false })
    summaries.push(summary)
    expect(summary.dialogues).toMatchObject({ total: 200, completed: 200, context_lost: 0, failed: 0, unfinished: 0 })
    expect(summary.reconcile).toMatchObject({ confirmed: 200, ordersInLedger: 200, lost: 0, doubled: 0, charged_unconfirmed: 0, mismatched: 0 })
  })

  it('loses no shared dialogue when a clerk is killed mid-run', async () => {
    const { summary } = await measuredRun(cluster, {
      mode: 'shared',
      policy: 'round-robin',
      customers: 12,
      dialogues: 300,
      chaos: [parseChaosFlag('kill', 'clerk-b@700ms')],
      progress: false,
    })
    summaries.push(summary)
    expect(summary.chaos).toHaveLength(1)
    expect(summary.chaos[0]?.ok).toBe(true)
    expect(summary.exposure[0]?.exposed).toBeGreaterThan(0) // the kill did catch dialogues in flight
    expect(summary.dialogues).toMatchObject({ total: 300, completed: 300, failed: 0, context_lost: 0 })
    expect(summary.reconcile).toMatchObject({ lost: 0, doubled: 0 })
  })

  it('loses, with sticky stateful sessions, exactly the dialogues pinned to the killed clerk and unfinished', async () => {
    const { summary, run } = await measuredRun(cluster, {
      mode: 'stateful',
      policy: 'sticky',
      customers: 12,
      dialogues: 300,
      chaos: [parseChaosFlag('kill', 'clerk-b@700ms')],
      progress: false,
    })
    summaries.push(summary)
    const kill = run.chaos[0]
    const exposure = summary.exposure[0]
    expect(kill?.ok).toBe(true)
    expect(exposure).toBeDefined()
    if (!kill || !exposure) return
    // computed here again from the per-dialogue records, independently of summarize()
    const pinnedToB = run.records.filter((r) => r.clerks.ask === 'clerk-b')
    const unfinishedAtAck = pinnedToB.filter((r) => r.startedAt < kill.doneAt && (r.endedAt ?? Infinity) > kill.doneAt)
    const lost = run.records.filter((r) => r.outcome === 'context_lost' || r.outcome === 'failed')
    // a pay charged by clerk-b whose answer died with it: the proxy retried it, with its key, on
    // another clerk, which had no session but found the order by its receipt
    const receipted = (r: (typeof run.records)[number]) => r.outcome === 'completed' && r.receipt && r.redispatched && r.clerks.pay !== 'clerk-b'

    expect(summary.dialogues.context_lost).toBeGreaterThan(0)
    // every dialogue still open on clerk-b once the kill was done was lost, or had paid there …
    expect(unfinishedAtAck.every((r) => r.outcome === 'context_lost' || r.outcome === 'failed' || receipted(r))).toBe(true)
    expect(exposure.openAfterAckLost + unfinishedAtAck.filter(receipted).length).toBe(exposure.openAfterAck)
    expect(exposure.receipted).toBe(run.records.filter((r) => r.receipt).length)
    // … and nothing else: every lost dialogue was pinned to clerk-b and open when the kill was fired
    expect(lost.every((r) => r.clerks.ask === 'clerk-b' && (r.endedAt ?? Infinity) > kill.firedAt)).toBe(true)
    expect(exposure.otherLost).toBe(0)
    expect(summary.dialogues.context_lost + summary.dialogues.failed).toBe(exposure.exposedLost)
    expect(summary.reconcile).toMatchObject({ lost: 0, doubled: 0 })
  })

  it('writes JSON and HTML reports that parse and hold the timeline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadtest-report-'))
    try {
      const report = buildReport('loadtest', summaries)
      writeJsonReport(join(dir, 'report.json'), report)
      writeHtmlReport(join(dir, 'report.html'), report)
      const parsed = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as LoadtestReport
      expect(parsed.version).toBe(1)
      expect(parsed.runs).toHaveLength(summaries.length)
      for (const run of parsed.runs) {
        expect(run.timeline.length).toBeGreaterThan(0)
        expect(run.timeline.reduce((n, t) => n + t.completed + t.context_lost + t.failed + t.unfinished, 0)).toBe(run.dialogues.total)
      }
      expect(parsed.runs[1]?.chaos[0]?.verb).toBe('kill')
      const html = readFileSync(join(dir, 'report.html'), 'utf8')
      expect(html).toBe(renderHtmlReport({ ...report }))
      // per run an outcomes chart and a latency chart, in its section and side by side with the others
      expect(html.match(/aria-label="dialogues per second of /g)?.length).toBe(summaries.length * (summaries.length > 1 ? 2 : 1))
      expect(html).toContain('kill clerk-b@700ms')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
