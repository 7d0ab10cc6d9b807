import { describe, expect, it } from 'vitest'
import { workerEvidence } from '../../../../proxy/cluster/worker.js'
import type { WorkerToPrimary } from '../../../../proxy/cluster/messages.js'
import { buildOptions, parseClerks } from '../../../../proxy/options.js'
import { Counters } from '../../../../proxy/state/counters.js'
import type { ProxyEvent } from '../../../../proxy/state/events.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'
import { Upstream } from '../../../../proxy/state/upstream.js'
import type { UpstreamFailure } from '../../../../proxy/forward/failures.js'

const CLERKS = 'a=http://127.0.0.1:1,b=http://127.0.0.1:2'

function state() {
  const s = ProxyState.fromOptions(buildOptions({ clerks: parseClerks(CLERKS) }))
  const events: ProxyEvent[] = []
  s.events.subscribe((e) => events.push(e))
  return { s, a: s.byId.get('a')!, b: s.byId.get('b')!, events }
}

const reset: UpstreamFailure = { kind: 'reset', mayHaveBeenSent: true, code: 'ECONNRESET', reason: 'r' }

/** one fixed run of what a forwarder reports, against any Counters over upstreams a and b */
function someTraffic(counters: Counters, a: Upstream, b: Upstream): void {
  counters.answered(a, 200, 0.002)
  counters.answered(a, 503, 0.001)
  counters.attemptFailed(a, reset, 502)
  counters.retried(a, b, 'reset')
  counters.retried(a, b, 'per_try_timeout', '/stateless')
  counters.retried(a, b, 'reset', '/stateless/pay')
  counters.redispatched(a, b)
  counters.pinned(b)
  counters.unrouted(503)
  counters.outcome('stateful', '/stateful/buy', 409, Buffer.from('{"error":"context_lost","reason":"no_session"}'))
  counters.outcome('shared', '/shared/pay?x=1', 200)
  counters.outcome('shared', '/shared/pay', 503)
}

describe('the counters (one counting code for a single process and the workers)', () => {
  it('counts answers, failures, retries and redispatches into the status', () => {
    const { s, a, b, events } = state()
    someTraffic(s.counters, a, b)
    const status = s.status()
    expect(status.clerks[0]).toMatchObject({ id: 'a', requests: 3, errors: 2, retries: 3, redispatches: 1, pinned: 0 })
    expect(status.clerks[1]).toMatchObject({ id: 'b', pinned: 1 })
    expect(status.counters).toEqual({ requests: 4, errors: 3, retries: 3, redispatches: 1, handoffs: 0 })
    // per route of the table: every prefix, the retries its policy allowed, per-try timeouts among them
    expect(Object.keys(status.routeCounters)).toEqual(status.routes.map((r) => r.prefix))
    expect(status.routeCounters['/stateless']).toEqual({ retries: 1, perTryTimeouts: 1 })
    expect(status.routeCounters['/stateless/pay']).toEqual({ retries: 1, perTryTimeouts: 0 })
    expect(status.routeCounters['/shared']).toEqual({ retries: 0, perTryTimeouts: 0 })
    expect(events.map((e) => e.type)).toEqual(['retry', 'retry', 'retry', 'redispatch'])
    expect(events[0]).toMatchObject({ from: 'a', to: 'b', reason: 'reset' })
  })

  it('gives the same status, the same events and the same health when two workers count and the primary merges', () => {
    const single = state()
    someTraffic(single.s.counters, single.a, single.b)
    someTraffic(single.s.counters, single.a, single.b)

    const primary = state()
    for (const workerId of [1, 2]) {
      // a worker: replicas of the clerks, the same Counters, its evidence sent as messages
      const messages: WorkerToPrimary[] = []
      const replicas = parseClerks(CLERKS).map((c) => new Upstream(c.id, c.url))
      const counters = new Counters(
        replicas,
        workerEvidence((m) => messages.push(m)),
      )
      someTraffic(counters, replicas[0]!, replicas[1]!)
      // the primary: each message as cluster/primary.ts applies it, then the report
      for (const m of messages) {
        const at = (id: string) => primary.s.byId.get(id)!
        if (m.t === 'passive') primary.s.evidence.attemptFailed(at(m.clerk), m.failure)
        else if (m.t === 'failing-answer') primary.s.evidence.failingAnswer(at(m.clerk), m.status)
        else if (m.t === 'retried') primary.s.evidence.retried(at(m.from), at(m.to), m.reason)
        else if (m.t === 'redispatched') primary.s.evidence.redispatched(at(m.from), at(m.to))
      }
      primary.s.workers.merge(workerId, { counters: counters.take(), inFlight: {}, openStreams: {}, usage: { connections: 0, bufferedBytes: 0, eventStreams: 0 } })
      expect(counters.take().clerks.a).toMatchObject({ requests: 0, errors: 0, retries: 0 })
    }

    const { limits: _a, ...singleStatus } = single.s.status()
    const { limits: _b, ...mergedStatus } = primary.s.status()
    expect(mergedStatus).toEqual(singleStatus)
    expect(primary.events.map((e) => e.type)).toEqual(single.events.map((e) => e.type))
    expect(primary.a.failStreak).toBe(single.a.failStreak)
    expect([...primary.a.counters.errorsByReason]).toEqual([...single.a.counters.errorsByReason])
    expect(primary.a.counters.latency.counts).toEqual(single.a.counters.latency.counts)
    expect(primary.s.counters.outcomes).toEqual(single.s.counters.outcomes)
    expect(primary.s.counters.outcomes.stateful.context_lost).toBe(2)
  })
})
