import { describe, expect, it } from 'vitest'
import { parseChaosFlag, resolveSchedule } from '../../../../loadtest/args/chaos-flags.js'
import { startChaosSchedule } from '../../../../loadtest/run/chaos-schedule.js'
import type { ChaosClient } from '../../../../services/cluster/chaos-client.js'
import type { ChaosVerb } from '../../../../services/common/vocabulary.js'
import { waitFor } from '../../../../services/common/wait-for.js'

describe('running the chaos schedule', () => {
  function recordingClient(fail = false): ChaosClient & { calls: [ChaosVerb, string, number | undefined][] } {
    const calls: [ChaosVerb, string, number | undefined][] = []
    return {
      calls,
      async act(verb, target, arg) {
        calls.push([verb, target, arg])
        if (fail) throw new Error('no launcher')
        return { ok: true, status: 200, via: 'launcher', body: {} }
      },
      hasLauncher: async () => true,
    }
  }

  it('carries out each event through the chaos client and stamps when it happened', async () => {
    const client = recordingClient()
    const startedAt = Date.now()
    const steps = resolveSchedule([parseChaosFlag('kill', 'clerk-b@0ms'), parseChaosFlag('slow', 'clerk-a:250@10ms')], undefined)
    const schedule = startChaosSchedule(steps, { client, startedAt })
    await waitFor(() => schedule.events.length === 2, { what: 'both events' })
    const events = await schedule.finish()
    expect(client.calls).toEqual([
      ['kill', 'clerk-b', undefined],
      ['slow', 'clerk-a', 250],
    ])
    expect(events.map((e) => [e.text, e.ok])).toEqual([
      ['--kill clerk-b@0ms', true],
      ['--slow clerk-a:250@10ms', true],
    ])
    for (const e of events) expect(e.doneAt).toBeGreaterThanOrEqual(e.firedAt)
  })

  it('records a failed action instead of throwing, and cancels what has not fired at the end', async () => {
    const client = recordingClient(true)
    const steps = resolveSchedule([parseChaosFlag('kill', 'clerk-b@0ms'), parseChaosFlag('revive', 'clerk-b@60s')], undefined)
    const schedule = startChaosSchedule(steps, { client, startedAt: Date.now() })
    await waitFor(() => schedule.events.length === 1, { what: 'the kill' })
    const events = await schedule.finish()
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ ok: false, status: 0, error: 'no launcher' })
    expect(client.calls).toHaveLength(1)
  })
})
