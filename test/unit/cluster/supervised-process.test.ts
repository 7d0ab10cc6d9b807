import { describe, expect, it } from 'vitest'
import { restartDelayMs } from '../../../services/cluster/supervised-process.js'

describe('restartDelayMs', () => {
  it('doubles from 250 ms with each crash in a row, up to 5 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => restartDelayMs(n))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000])
  })
  it('treats a streak below one as the first crash', () => {
    expect(restartDelayMs(0)).toBe(250)
  })
})
