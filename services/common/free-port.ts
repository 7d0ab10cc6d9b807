import { createServer } from 'node:net'

/**
 * Asks the kernel for a free TCP port on loopback. There is a small window between closing this
 * probe and the caller binding the port; callers that can bind port 0 themselves should.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, host, () => {
      const address = server.address()
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port)
        else reject(new Error('could not read the probe port'))
      })
    })
  })
}

/** true when nothing listens on `port` of `host` now (a probe binds it and lets it go) */
export function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, host, () => probe.close(() => resolve(true)))
  })
}

/**
 * The first of `count` consecutive free loopback ports (npm start puts the proxy on the first and
 * the clerks on the next ones), picked at random between 20000 and 32000: below the usual
 * ephemeral range (32768+), so that outgoing connections do not take a clerk's port, and at
 * random, so that runs side by side rarely meet. Same small window as freePort().
 */
export async function freePortRange(count: number, attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000)
    let free = true
    for (let port = base; port < base + count && free; port++) free = await portIsFree(port)
    if (free) return base
  }
  throw new Error(`no ${count} consecutive free ports found between 20000 and 32000`)
}
