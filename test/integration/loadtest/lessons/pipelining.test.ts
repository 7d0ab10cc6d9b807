import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { headOfLine, measureBatches, parsePipeliningArguments } from '../../../../loadtest/lessons/pipelining.js'
import { openCluster, type ClusterHandle } from '../../../../loadtest/run/open-cluster.js'

// Head-of-line blocking: pipelined answers come back in order, so none sent behind a slow answer
// can come back before it; on separate connections they can.

describe('head-of-line accounting', () => {
  it('reads --out FILE (the JSON result in a file, for the workshop) beside the screen output', () => {
    expect(parsePipeliningArguments(['--target', 'http://127.0.0.1:8080', '--out', 'reports/workshop/13-pipelining.json'])).toMatchObject({
      out: 'reports/workshop/13-pipelining.json',
      json: false,
    })
    expect(parsePipeliningArguments([]).out).toBeUndefined()
  })

  it('finds the first slow answer of each batch and what came back before it', () => {
    const pipelined = headOfLine(
      'pipelined',
      [
        [10, 300, 305, 310],
        [320, 321, 322, 323],
      ],
      300,
    )
    expect(pipelined.behindSlow).toEqual({ answers: 5, meanMs: 316.2, slowMeanMs: 310, fasterThanIt: 0 })
    expect(pipelined.byPosition).toEqual([10, 300, 305, 310])
    const separate = headOfLine('separate', [[10, 300, 12, 11]], 300)
    expect(separate.behindSlow).toMatchObject({ answers: 2, fasterThanIt: 2 })
  })
})

describe('head-of-line blocking in front of real clerks, one of them slowed', () => {
  let cluster: ClusterHandle
  const slowMs = 500 // ms: far above a fast answer, even on a busy machine

  beforeAll(async () => {
    cluster = await openCluster({ clerks: 2, log: () => {} })
    await cluster.chaos.act('slow', 'clerk-a', slowMs)
  }, 60_000)
  afterAll(async () => {
    await cluster?.close()
  })

  it('pipelined: every answer sent behind the slow one comes back after it, in order', async () => {
    const batches = await measureBatches(cluster.proxyUrl, 'pipelined', 4, 3)
    for (const batch of batches) for (let i = 1; i < batch.length; i++) expect(batch[i]).toBeGreaterThanOrEqual(batch[i - 1]!)
    const result = headOfLine('pipelined', batches, slowMs)
    expect(result.behindSlow.answers).toBeGreaterThan(0)
    expect(result.behindSlow.fasterThanIt).toBe(0)
  })

  it('separate connections: answers from the fast clerk pass the slow one', async () => {
    const result = headOfLine('separate', await measureBatches(cluster.proxyUrl, 'separate', 4, 3), slowMs)
    expect(result.behindSlow.fasterThanIt).toBeGreaterThan(0)
  })
})
