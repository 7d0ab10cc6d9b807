import { describe, expect, it } from 'vitest'
import { buildOptions, parseClerks } from '../../../../proxy/options.js'
import type { ClerkDelta } from '../../../../proxy/state/counters.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'

const NO_USAGE = { connections: 0, bufferedBytes: 0, eventStreams: 0 }

describe("the primary merging its workers' reports", () => {
  it('adds up what cluster workers report, in-flight and open streams per worker', () => {
    const s = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('a=http://127.0.0.1:1,b=http://127.0.0.1:2') }))
    const a = s.byId.get('a')!
    const delta: ClerkDelta = {
      requests: 5,
      errors: 1,
      retries: 0,
      redispatches: 0,
      pinned: 2,
      byStatus: [[200, 5]],
      errorsByReason: [],
      latency: { counts: new Array(15).fill(0), sum: 0.5, count: 5 },
    }
    s.workers.merge(1, { counters: { clerks: { a: delta }, unrouted: { requests: 0, errors: 0 } }, inFlight: { a: 3 }, openStreams: { a: 1 }, usage: NO_USAGE })
    s.workers.merge(2, { counters: { clerks: { a: delta }, unrouted: { requests: 1, errors: 1 } }, inFlight: { a: 4 }, openStreams: { a: 2 }, usage: NO_USAGE })
    expect({ ...a.counters, inFlight: a.inFlight, openStreams: a.openStreams }).toMatchObject({ requests: 10, errors: 2, pinned: 4, inFlight: 7, openStreams: 3 })
    expect(s.status().clerks.find((c) => c.id === 'a')).toMatchObject({ inFlight: 7, openStreams: 3 })
    s.workers.forget(2)
    expect({ inFlight: a.inFlight, openStreams: a.openStreams }).toEqual({ inFlight: 3, openStreams: 1 })
  })

  it("sums the workers' front usage into the status limits, and forgets a worker that exits", () => {
    const s = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('a=http://127.0.0.1:1'), workers: 2 }))
    const none = { clerks: {}, unrouted: { requests: 0, errors: 0 } }
    s.workers.merge(1, { counters: none, inFlight: {}, openStreams: {}, usage: { connections: 3, bufferedBytes: 100, eventStreams: 1 } })
    s.workers.merge(2, { counters: none, inFlight: {}, openStreams: {}, usage: { connections: 2, bufferedBytes: 50, eventStreams: 0 } })
    expect(s.status().limits).toMatchObject({ clientConnections: { open: 5 }, requestBufferBytes: { held: 150 }, eventSubscribers: { open: 1 } })
    s.workers.forget(1)
    expect(s.status().limits).toMatchObject({ clientConnections: { open: 2 }, requestBufferBytes: { held: 50 }, eventSubscribers: { open: 0 } })
  })
})
