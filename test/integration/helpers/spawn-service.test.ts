import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { holdsListener } from '../../helpers/listener-owner.js'
import { spawnService } from '../../helpers/spawn-service.js'

// A test picks a free port and starts a service on it; another test running alongside may take
// that port in between. The service then cannot listen, but the stranger on its port may answer
// the readiness probe, and the test would go on against it (a CI run once asked another test's
// proxy for cookies it never issued). spawnService now asks the kernel who listens.

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close()
})

/** an HTTP server in this process answering 200 to everything, like any ready service */
async function stranger(port: number): Promise<Server> {
  const server = createServer((_req, res) => res.end('{}'))
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  closers.push(() => new Promise((resolve) => server.close(() => resolve())))
  return server
}

describe('holdsListener', () => {
  it('finds the listener in the process itself, and not in a process that holds none', async () => {
    const port = await freePort()
    await stranger(port)
    expect(holdsListener(process.pid, port)).toBe(true)
    const sleeper = spawn('sleep', ['30'])
    closers.push(async () => void sleeper.kill('SIGKILL'))
    expect(holdsListener(sleeper.pid ?? -1, port)).toBe(false)
  })

  it('finds it in a child process (a launcher whose child listens), and finds none on a port nobody listens on', async () => {
    const port = await freePort()
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    closers.push(async () => void child.kill('SIGKILL'))
    await new Promise((resolve) => child.stdout.once('data', resolve))
    expect(holdsListener(process.pid, port)).toBe(true)
    expect(holdsListener(child.pid ?? -1, port)).toBe(true)
    expect(holdsListener(process.pid, await freePort())).toBe(false)
  })
})

describe('spawnService', () => {
  it('does not take a stranger on the port for the service it started: it reports the service exiting', async () => {
    const port = await freePort()
    await stranger(port)
    const started = spawnService('proxy/main.js', { PROXY_PORT: String(port), PROXY_CLERKS: 'clerk-x=http://127.0.0.1:9' }, `http://127.0.0.1:${port}/_lb/status`, {
      timeoutMs: 5_000,
    })
    // were it taken for ready (the bug), the proxy would bind the port once the stranger is gone: stop it then
    started.then((service) => closers.push(() => service.stop())).catch(() => {})
    await expect(started).rejects.toThrow(/exited early with 1[\s\S]*PROXY_PORT/)
  })

  it('is ready once the service itself answers', async () => {
    const port = await freePort()
    const proxy = await spawnService('proxy/main.js', { PROXY_PORT: String(port), PROXY_CLERKS: 'clerk-x=http://127.0.0.1:9' }, `http://127.0.0.1:${port}/_lb/status`)
    closers.push(() => proxy.stop())
    await waitFor(() => holdsListener(proxy.pid, port), { what: 'the proxy holding its port' })
    expect(proxy.exited()).toBe(false)
  })
})
