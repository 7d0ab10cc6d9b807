import { describe, expect, it } from 'vitest'
import { parseBenchProxyArguments } from '../../../../loadtest/args/bench-proxy-arguments.js'
import { findOnPath, parseWrkOutput, wrkScript } from '../../../../loadtest/bench/load-generators.js'
import { combineSlices, sliceOrder, summarizeTargets, type Measurement } from '../../../../loadtest/bench/summaries.js'
import { renderTargetsTable } from '../../../../loadtest/bench/tables.js'

const m = (name: string, requestsPerSec: number, requests: number, cpuSeconds: number | undefined): Measurement => ({
  name,
  requestsPerSec,
  p50Ms: 1,
  p99Ms: 5,
  errors: 0,
  non2xx: 0,
  requests,
  cpuSeconds,
})

describe('bench:proxy', () => {
  it('reads its arguments, with 10 s in 5-s slices and 50 connections by default', () => {
    expect(parseBenchProxyArguments([])).toMatchObject({ durationSeconds: 10, connections: 50, clerks: 2, sliceSeconds: 5, only: undefined })
    expect(parseBenchProxyArguments(['--duration', '2', '--only', 'undici-1,haproxy', '--slice', '2'])).toMatchObject({
      durationSeconds: 2,
      only: ['undici-1', 'haproxy'],
      sliceSeconds: 2,
    })
    expect(() => parseBenchProxyArguments(['--duration', '0'])).toThrow(/--duration must be a whole number/)
    expect(() => parseBenchProxyArguments(['--fast'])).toThrow(/Unknown option '--fast'; see --help/)
  })

  it('takes wrk when it is on PATH unless told otherwise', () => {
    expect(parseBenchProxyArguments([]).generator).toBeUndefined()
    expect(parseBenchProxyArguments(['--generator', 'autocannon']).generator).toBe('autocannon')
    expect(() => parseBenchProxyArguments(['--generator', 'ab'])).toThrow(/--generator must be wrk or autocannon/)
    expect(findOnPath('sh', '/nowhere:/bin')).toBe('/bin/sh')
    expect(findOnPath('surely-not-a-command', '/bin')).toBeUndefined()
  })

  it('sends the same POST with wrk as with autocannon and reads its summary line', () => {
    const script = wrkScript()
    expect(script).toContain(`wrk.method = 'POST'`)
    expect(script).toContain(`wrk.body = '{"product":"laptop"}'`)
    expect(script).toContain(`wrk.headers["Content-Type"] = 'application/json'`)
    const out = [
      'Running 5s test @ http://127.0.0.1:1234/stateless/ask',
      'BENCH_PROXY_WRK {"requests":25000,"durationUs":5000000,"p50Us":8700,"p99Us":33900,"connect":0,"read":1,"write":0,"status":3,"timeout":2}',
    ].join('\n')
    expect(parseWrkOutput(out)).toEqual({ requestsPerSec: 5000, p50Ms: 8.7, p99Ms: 33.9, errors: 3, non2xx: 3, requests: 25000 })
    expect(() => parseWrkOutput('unable to connect')).toThrow(/no summary line/)
  })

  it('computes CPU per request and ratios to HAProxy', () => {
    const rows = summarizeTargets([m('direct', 5000, 25000, undefined), m('proxy', 3000, 15000, 1.5), m('haproxy', 5000, 25000, 0.75)])
    expect(rows[1]).toMatchObject({ cpuMicrosPerRequest: 100, throughputVsHaproxy: 0.6, cpuVsHaproxy: 100 / 30 })
    expect(rows[0]?.cpuMicrosPerRequest).toBeUndefined()
    expect(rows[2]).toMatchObject({ throughputVsHaproxy: 1, cpuVsHaproxy: 1 })
    const table = renderTargetsTable(rows, parseBenchProxyArguments([]))
    expect(table).toContain('× HAProxy req/s')
    expect(table).toMatch(/proxy\s+3000/)
  })

  it('lets every target start a slice in turn, so no target always runs first', () => {
    expect(sliceOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c'])
    expect(sliceOrder(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a'])
    expect(sliceOrder(['a', 'b', 'c'], 3)).toEqual(['a', 'b', 'c'])
    expect(sliceOrder([], 2)).toEqual([])
  })

  it("adds a target's slices up: requests over time, CPU summed, percentiles weighted by requests", () => {
    const slice = (requests: number, seconds: number, p50Ms: number, cpuSeconds: number | undefined) => ({
      requestsPerSec: requests / seconds,
      p50Ms,
      p99Ms: p50Ms * 2,
      errors: 1,
      non2xx: 0,
      requests,
      cpuSeconds,
    })
    const m = combineSlices('proxy', [slice(3000, 1, 10, 0.3), slice(1000, 1, 30, 0.1)])
    expect(m).toMatchObject({ name: 'proxy', requestsPerSec: 2000, requests: 4000, errors: 2, non2xx: 0, p50Ms: 15, p99Ms: 30 })
    expect(m.cpuSeconds).toBeCloseTo(0.4)
    expect(combineSlices('direct', [slice(1000, 1, 5, undefined)]).cpuSeconds).toBeUndefined()
  })

  it('leaves ratios out when HAProxy was not measured', () => {
    const rows = summarizeTargets([m('proxy', 3000, 15000, 1.5)])
    expect(rows[0]?.throughputVsHaproxy).toBeUndefined()
  })
})
