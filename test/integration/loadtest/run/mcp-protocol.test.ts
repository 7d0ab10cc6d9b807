import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseChaosFlag } from '../../../../loadtest/args/chaos-flags.js'
import { measuredRun } from '../../../../loadtest/run/measured-run.js'
import { openCluster, type ClusterHandle } from '../../../../loadtest/run/open-cluster.js'

// `npm run loadtest -- --protocol mcp`: the same measured run (policy, chaos schedule, ledger
// reconciliation, summary) with MCP customers (the SDK's own client) against a real local cluster
// (npm start's launcher: Redis, three clerks, the proxy). clerk-b is SIGKILLed early in each run;
// the runner revives it after. Counts are asserted, never timings.
let cluster: ClusterHandle

beforeAll(async () => {
  cluster = await openCluster({ clerks: 3, log: () => {} })
}, 120_000)

afterAll(async () => {
  await cluster?.close()
})

const KILL = [parseChaosFlag('kill', 'clerk-b@1s')]

describe('the load test with --protocol mcp', () => {
  it('shared: a clerk killed mid-run loses no dialogue; every order told is in the ledger once', async () => {
    const { summary } = await measuredRun(cluster, { protocol: 'mcp', mode: 'shared', policy: 'round-robin', customers: 4, dialogues: 16, chaos: KILL, progress: false })
    expect(summary.label).toBe('MCP shared')
    expect(summary.chaos[0]?.ok).toBe(true)
    expect(summary.dialogues).toMatchObject({ total: 16, completed: 16, context_lost: 0, failed: 0, unfinished: 0 })
    expect(summary.mcp).toMatchObject({ sessionLost: 0, progressNot123: 0 })
    expect(summary.reconcile).toMatchObject({ confirmed: 16, lost: 0, doubled: 0, mismatched: 0 })
  }, 180_000)

  it('stateful + sticky pins on Mcp-Session-Id; the dead clerk takes only its sessions (session_lost), nothing is doubled', async () => {
    const { summary } = await measuredRun(cluster, { protocol: 'mcp', mode: 'stateful', policy: 'sticky', customers: 4, dialogues: 16, chaos: KILL, progress: false })
    expect(summary.policy).toBe('mcp-session+round-robin')
    expect(summary.label).toBe('MCP stateful + mcp-session+round-robin')
    expect(summary.dialogues.total).toBe(16)
    expect(summary.dialogues.unfinished).toBe(0)
    // a lost session is the HTTP 409's MCP twin: counted as context_lost, and said as such
    expect(summary.mcp?.sessionLost).toBe(summary.dialogues.context_lost)
    expect(summary.reconcile).toMatchObject({ lost: 0, doubled: 0, mismatched: 0 })
    // the route's policy is put back after the run
    expect((await cluster.api.status()).policies.stateful).toBe('sticky')
  }, 180_000)

  it('stateless: no session to lose', async () => {
    const { summary } = await measuredRun(cluster, { protocol: 'mcp', mode: 'stateless', policy: 'round-robin', customers: 4, dialogues: 12, chaos: KILL, progress: false })
    expect(summary.dialogues).toMatchObject({ total: 12, context_lost: 0, unfinished: 0 })
    expect(summary.mcp?.sessionLost).toBe(0)
    expect(summary.reconcile).toMatchObject({ lost: 0, doubled: 0, mismatched: 0 })
  }, 180_000)
})
