import { describe, expect, it } from 'vitest'
import { parseStatTicks, parseStatTimes } from '../../../../loadtest/analyze/proc-cpu.js'
import { parseBenchProxyArguments } from '../../../../loadtest/args/bench-proxy-arguments.js'
import { clerkCost, renderCpuSplit, type CpuSplitRow } from '../../../../loadtest/bench/cpu-split.js'

const row = (key: string, userMicros: number | undefined, systemMicros: number | undefined, clerkMicros: number): CpuSplitRow => ({
  key,
  name: key,
  requests: 1000,
  userMicros,
  systemMicros,
  clerkMicros,
})

describe("bench:proxy's CPU split and capacity line", () => {
  it('reads user and system ticks apart from /proc/<pid>/stat, summing to the total', () => {
    const stat = '1234 (node (worker)) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 75 0 0 20 0 11 0 100 0 0'
    expect(parseStatTimes(stat)).toEqual({ user: 250, system: 75 })
    expect(parseStatTicks(stat)).toBe(325)
  })

  it('divides the clerk cost by the proxy cost: 200 µs clerks behind a 50 µs proxy are 4 per proxy core', () => {
    const rows = [row('direct', undefined, undefined, 200), row('net-1', 30, 20, 210), row('haproxy', 10, 15, 205)]
    const cost = clerkCost(rows, undefined)
    expect(cost).toEqual({ micros: 200, source: 'measured on the direct target' })
    const text = renderCpuSplit(rows, cost)
    expect(text).toMatch(/net-1\s+30\.0\s+20\.0\s+210\.0\s+4\.0/)
    expect(text).toMatch(/haproxy\s+10\.0\s+15\.0\s+205\.0\s+8\.0/)
    expect(text).toMatch(/direct\s+-\s+-\s+200\.0\s+-/)
  })

  it('takes a given clerk cost over the measured one, and the median of the targets without a direct one', () => {
    expect(clerkCost([row('net-1', 30, 20, 210)], 1000)).toEqual({ micros: 1000, source: 'given with --clerk-cost' })
    expect(clerkCost([row('a', 1, 1, 300), row('b', 1, 1, 100), row('c', 1, 1, 200)], undefined)?.micros).toBe(200)
    expect(parseBenchProxyArguments(['--clerk-cost', '250']).clerkCostMicros).toBe(250)
    expect(parseBenchProxyArguments([]).clerkCostMicros).toBeUndefined()
  })
})
