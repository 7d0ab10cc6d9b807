import { describe, expect, it } from 'vitest'
import { WorkGate } from '../../../services/clerk/work-gate.js'

describe('the work gate', () => {
  it('runs at most `concurrency` answers at once and lets the rest in, first come first served', async () => {
    const gate = new WorkGate({ concurrency: 2, workMs: 0 })
    const started: number[] = []
    const releases: Array<() => void> = []
    const runs = [0, 1, 2, 3].map((i) =>
      gate.run(async () => {
        started.push(i)
        await new Promise<void>((resolve) => releases.push(resolve))
        return i
      }),
    )
    await new Promise((resolve) => setImmediate(resolve))
    expect(started).toEqual([0, 1])
    expect(gate.waiting).toBe(2)
    releases[0]?.()
    await runs[0]
    await new Promise((resolve) => setImmediate(resolve))
    expect(started).toEqual([0, 1, 2])
    releases.slice(1).forEach((r) => r())
    // every waiter is released as earlier ones finish
    for (let i = 0; i < 10 && releases.length < 4; i++) await new Promise((resolve) => setImmediate(resolve))
    releases.forEach((r) => r())
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3])
  })

  it('frees its slot when an answer throws', async () => {
    const gate = new WorkGate({ concurrency: 1, workMs: 0 })
    await expect(gate.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(await gate.run(async () => 'next')).toBe('next')
  })

  it('adds nothing when there is no limit, no work and no slowness', async () => {
    const gate = new WorkGate({ concurrency: 0, workMs: 0 })
    expect(await gate.run(async () => 42)).toBe(42)
  })
})
