import { createServer } from 'node:net'
import { describe, expect, it } from 'vitest'
import { freePort, freePortRange, portIsFree } from '../../../services/common/free-port.js'

describe('free loopback ports', () => {
  it('sees a port someone listens on as taken, and free again once they stop', async () => {
    const server = createServer()
    const port = await freePort()
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    expect(await portIsFree(port)).toBe(false)
    await new Promise((resolve) => server.close(resolve))
    expect(await portIsFree(port)).toBe(true)
  })

  it('finds a run of consecutive free ports between 20000 and 32000', async () => {
    const base = await freePortRange(4)
    expect(base).toBeGreaterThanOrEqual(20_000)
    expect(base).toBeLessThan(32_000)
    expect(Number.isInteger(base)).toBe(true)
  })
})
