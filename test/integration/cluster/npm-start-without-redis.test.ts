import { existsSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { createChaosClient } from '../../../services/cluster/chaos-client.js'
import { stateFilePath } from '../../../services/cluster/state-file.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { Customer } from './dialogue-client.js'
import { freePortRange } from '../../../services/common/free-port.js'

// A machine without redis-server (PATH hides it) and without REDIS_URL: the cluster still runs,
// says how to get Redis, serves stateful and stateless, and answers shared mode with 503.
const adminToken = 'no-redis-test-token'
const started: SpawnedService[] = []

afterAll(async () => {
  for (const s of started) await s.stop()
})

describe('npm start without Redis', () => {
  it('runs anyway, says how to get Redis, and answers shared mode with 503', async () => {
    const proxyPort = await freePortRange(4)
    const proxyUrl = `http://127.0.0.1:${proxyPort}`
    const launcher = await spawnService('services/cluster/main.js', { PROXY_PORT: String(proxyPort), ADMIN_TOKEN: adminToken, PATH: '/nonexistent', REDIS_URL: '' }, undefined)
    started.push(launcher)
    await waitFor(() => launcher.output().includes('Stop: Ctrl-C') || launcher.exited(), {
      what: 'the banner',
      timeoutMs: 60_000,
      intervalMs: 100,
    })
    expect(launcher.exited(), launcher.output()).toBe(false)
    expect(launcher.output()).toContain('Get Redis: npm run setup')
    expect(launcher.output()).toContain('REDIS_URL=redis://')

    const shared = await new Customer(proxyUrl).post('/shared/ask', { product: 'laptop' })
    expect(shared.status).toBe(503)
    expect(shared.body.error).toBe('redis_unavailable')
    const stateful = await new Customer(proxyUrl).post('/stateful/ask', { product: 'laptop' })
    expect(stateful.status).toBe(200)

    const chaos = createChaosClient({ proxyUrl, adminToken })
    const stop = await chaos.act('stop', 'redis')
    expect(stop).toMatchObject({ ok: false, status: 409, body: { error: 'redis_not_managed' } })
    expect(JSON.stringify(stop.body)).toContain('install redis-server (npm run setup)')

    expect(await launcher.signal('SIGTERM')).toBe(0)
    expect(existsSync(stateFilePath(proxyPort))).toBe(false)
  })

  it('refuses a bad setting with one sentence naming the variable, and starts nothing', async () => {
    const launcher = await spawnService('services/cluster/main.js', { PROXY_PORT: 'eighty', ADMIN_TOKEN: adminToken }, undefined)
    started.push(launcher)
    await waitFor(() => launcher.exited(), { what: 'the launcher to exit' })
    expect(launcher.child.exitCode).toBe(1)
    expect(launcher.output()).toContain('PROXY_PORT must be a whole number, got "eighty"')
  })
})
