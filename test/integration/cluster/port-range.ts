import { createServer } from 'node:net'

/**
 * A run of `count` consecutive free loopback ports (npm start puts the proxy on the first and the
 * clerks on the next ones), picked at random above the ephemeral range's usual start so that
 * tests running side by side rarely meet.
 */
export async function freePortRange(count: number, attempts = 50): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const base = 20_000 + Math.floor(Math.random() * 12_000)
    let free = true
    for (let port = base; port < base + count && free; port++) free = await portIsFree(port)
    if (free) return base
  }
  throw new Error(`no ${count} consecutive free ports found`)
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}
