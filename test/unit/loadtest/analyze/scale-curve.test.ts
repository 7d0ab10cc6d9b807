import { describe, expect, it } from 'vitest'
import { oneClerkCapacity, scaleVerdict, scalingOf, type ScalePoint } from '../../../../loadtest/analyze/scale-curve.js'

describe('the scale-out verdict', () => {
  const point = (clerks: number, completedPerSec: number, cpu: Record<string, number>, machineBusyCores?: number): ScalePoint => ({
    clerks,
    run: clerks - 1,
    completedPerSec,
    answersPerSec: completedPerSec * 3,
    dialogueP50: 1,
    dialogueP99: 2,
    cpu,
    machineBusyCores,
    efficiency: completedPerSec / (clerks * 100),
    scaling: scalingOf({ clerks, completedPerSec }, { clerks: 1, completedPerSec: 90 }),
  })

  it('computes one clerk capacity from work time and concurrency, and scaling from the first point', () => {
    expect(oneClerkCapacity(20, 4)).toBe(66.7)
    expect(scalingOf({ clerks: 3, completedPerSec: 150 }, { clerks: 1, completedPerSec: 60 })).toBe(0.83)
  })

  it('names the proxy when it keeps a whole core busy where the curve bends', () => {
    const verdict = scaleVerdict([point(1, 90, { proxy: 0.3 }), point(2, 120, { proxy: 0.95, 'clerk-a': 0.2 })], 2)
    expect(verdict).toMatch(/up to 1 clerk; at 2 clerks it reaches 67% of linear.*the proxy is the limit/)
  })

  it('names the machine when all its cores are busy, even with other processes', () => {
    expect(scaleVerdict([point(1, 90, {}), point(2, 110, { proxy: 0.4, 'clerk-a': 0.3 }, 1.9)], 2)).toMatch(/machine's CPU is the limit: 1.9 of its 2 cores were busy/)
  })

  it('says so when the curve follows all the way', () => {
    expect(scaleVerdict([point(1, 90, {}), point(2, 175, {})], 2)).toMatch(/all the way to 2 clerks \(97% of linear\)/)
  })
})
