import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseChaosFlag } from '../../../../loadtest/args/chaos-flags.js'
import { measuredRun } from '../../../../loadtest/run/measured-run.js'
import { openCluster, type ClusterHandle } from '../../../../loadtest/run/open-cluster.js'

// --add-clerk@TIME and --remove CLERK@TIME in a load run against a real local cluster (npm start's
// launcher: Redis, two clerks, the proxy). Counts are asserted, never timings: the new clerk takes
// only customers who started after it joined (stateful + sticky), and the removed clerk's
// dialogues are handed over, none lost.
let cluster: ClusterHandle

beforeAll(async () => {
  cluster = await openCluster({ clerks: 2, env: { CLERK_WORK_MS: '20' }, log: () => {} })
}, 60_000)

afterAll(async () => {
  await cluster?.close()
})

describe('clerks added and removed during a load run', () => {
  it('under stateful + sticky, a clerk added mid-run takes new customers only; removing one loses no dialogue', async () => {
    const chaos = [parseChaosFlag('add-clerk', '500ms'), parseChaosFlag('remove', 'clerk-a@3s')]
    const { summary } = await measuredRun(cluster, { mode: 'stateful', policy: 'sticky', customers: 8, durationMs: 4_000, chaos, progress: false })
    expect(summary.chaos.map((c) => [c.text, c.ok])).toEqual([
      ['--add-clerk@500ms', true],
      ['--remove clerk-a@3s', true],
    ])
    expect(summary.dialogues.failed + summary.dialogues.context_lost).toBe(0)
    expect(summary.reconcile).toMatchObject({ lost: 0, doubled: 0 })
    const added = summary.clerkArrivals['clerk-c']
    expect(added?.dialogues).toBeGreaterThan(0)
    // what clerk-c served that it had not started itself can only be what clerk-a handed over when it left
    expect(added!.startedElsewhere).toBeLessThanOrEqual(summary.handedOver)
    // the run lasted until the new clerk had joined (the duration bound waits for an add), and clerk-c's first customer came after the add was fired
    expect(added!.firstAskSecond! * 1000).toBeGreaterThanOrEqual(Math.floor(summary.chaos[0]!.offsetMs / 1000) * 1000)
    const afterRemove = summary.timeline.filter((t) => t.second * 1000 > summary.chaos[1]!.offsetMs + summary.chaos[1]!.tookMs + 1_000)
    expect(afterRemove.every((t) => (t.completedByClerk['clerk-a'] ?? 0) === 0)).toBe(true)
  })
})
