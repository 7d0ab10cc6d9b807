import { afterAll, describe, expect, it } from 'vitest'
import { findBinary } from '../../../services/cluster/fronts.js'
import { readStateFile, stateFilePath } from '../../../services/cluster/state-file.js'
import { freePortRange } from '../../../services/common/free-port.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { Customer } from './dialogue-client.js'

// Issue 13: FRONT=haproxy,nginx runs the real HAProxy and nginx beside our proxy, in front of the
// same clerks, each on its own port, supervised and stopped with the launcher.
const adminToken = 'fronts-test-token'
const started: SpawnedService[] = []
const installed = findBinary('haproxy') !== undefined && findBinary('nginx') !== undefined

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

afterAll(async () => {
  for (const s of started) if (!s.exited()) await s.signal('SIGTERM')
})

describe.skipIf(!installed)('npm start with FRONT=haproxy,nginx', () => {
  it('starts both beside our proxy, prints them, plays the dialogue through each, and stops them with the launcher', async () => {
    const proxyPort = await freePortRange(4)
    const frontPort = await freePortRange(2)
    const launcher = await spawnService(
      'services/cluster/main.js',
      { PROXY_PORT: String(proxyPort), CLERK_COUNT: '3', ADMIN_TOKEN: adminToken, CLUSTER_REDIS_THROWAWAY: '1', FRONT: 'haproxy,nginx', FRONT_PORT: String(frontPort) },
      undefined,
    )
    started.push(launcher)
    await waitFor(() => launcher.output().includes('Stop: Ctrl-C') || launcher.exited(), { what: 'the banner', timeoutMs: 90_000, intervalMs: 100 })
    expect(launcher.exited(), launcher.output()).toBe(false)
    expect(launcher.output()).toContain(`haproxy     http://localhost:${frontPort}`)
    expect(launcher.output()).toContain(`nginx       http://localhost:${frontPort + 1}`)
    const pids = readStateFile(stateFilePath(proxyPort))!.pids
    expect(pids).toMatchObject({ haproxy: expect.any(Number), nginx: expect.any(Number) })

    // shared and stateless through both; stateful through HAProxy, whose inserted cookie is sticky
    for (const port of [frontPort, frontPort + 1]) {
      for (const mode of ['shared', 'stateless'] as const) {
        const { pay } = await new Customer(`http://127.0.0.1:${port}`).play(mode)
        expect(pay.status, `${mode} through :${port}: ${JSON.stringify(pay.body)}`).toBe(200)
      }
    }
    const stateful = await new Customer(`http://127.0.0.1:${frontPort}`).play('stateful')
    expect(stateful.pay.status, JSON.stringify(stateful.pay.body)).toBe(200)

    expect(await launcher.signal('SIGTERM')).toBe(0)
    expect(isAlive(pids.haproxy!), 'haproxy outlived the launcher').toBe(false)
    expect(isAlive(pids.nginx!), 'nginx outlived the launcher').toBe(false)
  }, 150_000)

  it('refuses a FRONT it does not know with one sentence, and starts nothing', async () => {
    const launcher = await spawnService('services/cluster/main.js', { PROXY_PORT: String(await freePortRange(4)), ADMIN_TOKEN: adminToken, FRONT: 'envoy' }, undefined)
    started.push(launcher)
    await waitFor(() => launcher.exited(), { what: 'the launcher to exit' })
    expect(launcher.child.exitCode).toBe(1)
    expect(launcher.output()).toContain('FRONT must be haproxy, nginx or haproxy,nginx (or none), got "envoy"')
  })
})
